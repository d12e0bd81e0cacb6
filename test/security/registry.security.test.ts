// Members, subsystems, services, endpoints, access rights and keys: every route × role × own/other agency.
import { matrix } from './world.js';
import { registryCases } from './registry.cases.js';

matrix('registry security matrix', registryCases);
