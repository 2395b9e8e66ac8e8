// The kernel ABI: pointers, counts and flags in; scalars out. Re-exports only.
export { alloc, releaseTo, resetArena, arenaUsed } from './arena';
export { expArray, logArray } from './exp';
export { pass, passScratchBytes, setPassForm, lastPassForm } from './pass';
export { score } from './score';
export { passF32, passF32ScratchBytes, expF32Array } from './passF32';
export { passFull, passFullScratchBytes, scoreFull, setFullPassForm, lastFullPassForm } from './passFull';
export { packPairs, packQuadsF32, centrePairs, needsCentring } from './pack';
export { cholesky, floorCholesky, precisionFactor, factorProduct, gradientFactor, scatterUpdate } from './linalg';
export { passFullF32, passFullF32ScratchBytes } from './passFullF32';
