/** The bundled worker entry (src/parallel/workerEntry.ts) as JavaScript source text, inlined at build time. */
declare module 'mixfit:worker-code' {
  const code: string;
  export default code;
}
