// Every wing adds its migrations here, in order. Names never change once released.
import type { Migration } from '../migrate.js';
import { m001core } from './001_core.js';

export const migrations: readonly Migration[] = [m001core];
