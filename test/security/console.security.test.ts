// Users, tokens, access requests, dashboard and the message log: every route × role × own/other agency.
import { matrix } from './world.js';
import { consoleCases, consoleSetup } from './console.cases.js';

matrix('console security matrix', consoleCases, consoleSetup);
