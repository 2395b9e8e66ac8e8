/** The bundled fit-worker entry (src/browser/fitWorkerEntry.ts) as JavaScript source text, inlined at build time. */
declare module 'mixfit:fit-worker-code' {
  const code: string;
  export default code;
}
