// The only workflowsPath entry: every workflow type the worker serves. An export's name is its
// workflow type; renaming one strands the runs already started under the old name.
export { probeWorkflow } from './probe.js';
export { importWorkflow } from './import.js';
export { reviewWorkflow } from './review.js';
export { releaseWorkflow } from './release.js';
export { rollbackWorkflow } from './rollback.js';
export { reindexWorkflow } from './reindex.js';
export { freshnessSweepWorkflow } from './freshness.js';
