// autocannon ships no types; bench-load.ts describes the little it uses.
declare module 'autocannon' {
  const autocannon: unknown;
  export default autocannon;
}
