// The document hub's console routes: every route × role × own/other agency.
import { matrix } from './world.js';
import { edocCases, edocSetup } from './edoc.cases.js';

matrix('edoc security matrix', edocCases, edocSetup);
