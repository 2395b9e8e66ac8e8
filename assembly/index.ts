// The kernel ABI: pointers, counts and flags in; scalars out. Re-exports only.
export { alloc, resetArena, arenaUsed } from './arena';
export { expArray, logArray } from './exp';
export { pass, passScratchBytes } from './pass';
export { score } from './score';
export { passFull, passFullScratchBytes, scoreFull } from './passFull';
