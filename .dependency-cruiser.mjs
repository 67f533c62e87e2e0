// The import rules of bugforge (README "Architecture"), checked by `npm run lint`:
//   api → core → stage-images → operator, cli
// A module imports its own layer and the layers before it, never one after it; product code never
// imports tests, benchmarks, scripts or the demo's sources; and nothing imports itself back
// through other modules — type-only imports included, since a cycle of types is still a tangle.
const LAYERS = 'api|core|stage-images|operator|cli';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'Modules that import each other, directly or through others: move what both need into a third module.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'api-is-the-lowest-layer',
      comment: 'api/ (the PipelineRun schema) imports nothing of bugforge outside api/.',
      severity: 'error',
      from: { path: '^api/' },
      to: { path: '^(core|stage-images|operator|cli)/' },
    },
    {
      name: 'core-imports-api-and-core',
      comment: 'core/ is what every layer above shares; it imports only api/ and core/.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(stage-images|operator|cli)/' },
    },
    {
      name: 'stages-import-no-runner',
      comment: 'A stage imports api/, core/ and stage code only: the operator and the CLI run stages, not the other way round.',
      severity: 'error',
      from: { path: '^stage-images/' },
      to: { path: '^(operator|cli)/' },
    },
    {
      name: 'operator-imports-no-cli',
      comment: 'operator/ is started by the CLI; it does not import it.',
      severity: 'error',
      from: { path: '^operator/' },
      to: { path: '^cli/' },
    },
    {
      name: 'product-imports-no-tests',
      comment: 'Product code never imports tests, benchmarks, scripts or the demo sources.',
      severity: 'error',
      from: { path: `^(${LAYERS})/` },
      to: { path: '^(test|bench|scripts|demo)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|test/controlplane)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.d.ts', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
