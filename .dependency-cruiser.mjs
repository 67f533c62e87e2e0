// The import rules of bugforge (README "Architecture"), checked by `npm run lint`:
//   api → core → stage-images → operator, cli
// A module imports its own layer and the layers before it, never one after it; product code never
// imports tests, benchmarks, scripts or the demo's sources; and nothing imports itself back
// through other modules — type-only imports included, since a cycle of types is still a tangle.
const LAYERS = 'api|core|stage-images|operator|cli';

/** [rule, importer, what it may not import, why] */
const LAYER_RULES = [
  ['api-is-the-lowest-layer', '^api/', '^(core|stage-images|operator|cli)/',
    'api/ (the PipelineRun schema) imports nothing of bugforge outside api/.'],
  ['core-imports-api-and-core', '^core/', '^(stage-images|operator|cli)/',
    'core/ is what every layer above shares; it imports only api/ and core/.'],
  ['stages-import-no-runner', '^stage-images/', '^(operator|cli)/',
    'A stage imports api/, core/ and stage code only: the operator and the CLI run stages, not the other way round.'],
  ['operator-imports-no-cli', '^operator/', '^cli/',
    'operator/ is started by the CLI; it does not import it.'],
  ['product-imports-no-tests', `^(${LAYERS})/`, '^(test|bench|scripts|demo)/',
    'Product code never imports tests, benchmarks, scripts or the demo sources.'],
];

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
    ...LAYER_RULES.map(([name, from, to, comment]) => ({ name, comment, severity: 'error', from: { path: from }, to: { path: to } })),
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
