// The data directory holds the database (SQLite), the node key, the admin token and the secret
// key: nobody but the account Vamco runs as may read it. Checked at every start: modes that
// are too open are fixed (and reported), what cannot be fixed stops the start with the reason.
import fs from 'node:fs';
import path from 'node:path';
import { VamcoError } from '../core/errors.js';
import { SECRET_DIR_MODE, SECRET_FILE_MODE } from './files.js';

export interface DataDirReport {
  /** Paths whose mode was too open and was tightened, with the mode they had. */
  fixed: { path: string; was: string }[];
}

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(4, '0');

function ownerOk(p: string, st: fs.Stats): void {
  const uid = process.getuid?.();
  if (uid === undefined || st.uid === uid) return;
  throw new VamcoError('CONFIG_ERROR',
    `${p} belongs to user id ${st.uid}, but Vamco runs as user id ${uid}: run Vamco as the owner of its data directory, or "chown -R ${uid} ${path.resolve(p)}"`);
}

function tighten(p: string, st: fs.Stats, mode: number, report: DataDirReport): void {
  if ((st.mode & 0o777 & ~mode) === 0) return;
  ownerOk(p, st);
  try {
    fs.chmodSync(p, st.mode & 0o777 & mode);
  } catch (e) {
    throw new VamcoError('CONFIG_ERROR', `${p} has mode ${octal(st.mode)} and could not be restricted to ${octal(mode)}: ${(e as Error).message}`, { cause: e });
  }
  report.fixed.push({ path: p, was: octal(st.mode) });
}

/**
 * Creates the data dir (0700) if missing; otherwise makes sure it and everything in it are
 * the owner's alone: directories 0700 at most, files 0600 at most. Symbolic links are refused
 * (following one would let another user's file stand in for a secret).
 */
export function secureDataDir(dir: string): DataDirReport {
  const report: DataDirReport = { fixed: [] };
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: SECRET_DIR_MODE });
    // mkdir's mode passes through the umask, which may only remove bits: 0700 stays 0700 or less.
    return report;
  }
  const walk = (p: string, depth: number): void => {
    // The data dir itself may be a link (/var/lib/vamco -> /srv/vamco); what is inside may not.
    let st: fs.Stats;
    try {
      st = depth === 0 ? fs.statSync(p) : fs.lstatSync(p);
    } catch (e) {
      // A running node's short-lived files (SQLite's journal, the log's probe file) may go
      // between readdir and lstat: gone is not too open.
      if (depth > 0 && (e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    if (st.isSymbolicLink()) {
      throw new VamcoError('CONFIG_ERROR', `${p} is a symbolic link: the data directory must hold its files itself`);
    }
    if (st.isDirectory()) {
      ownerOk(p, st);
      tighten(p, st, SECRET_DIR_MODE, report);
      // Backups or exports an operator keeps inside are checked too, but not without end.
      if (depth < 4) for (const name of fs.readdirSync(p)) walk(path.join(p, name), depth + 1);
      return;
    }
    if (st.isFile()) {
      ownerOk(p, st);
      tighten(p, st, SECRET_FILE_MODE, report);
      return;
    }
    // Sockets or FIFOs have no business here either.
    throw new VamcoError('CONFIG_ERROR', `${p} is neither a file nor a directory`);
  };
  walk(dir, 0);
  return report;
}
