import { stringify } from 'yaml';
import { pipelineRunCRD } from '../../api/v1alpha1/crd.js';

export async function crdCommand(): Promise<void> {
  process.stdout.write(stringify(pipelineRunCRD(), { lineWidth: 0 }));
}
