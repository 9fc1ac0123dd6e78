/** The baseline for bench:synth: an empty CDK app synthesized with the same toolchain (node + tsx + aws-cdk-lib). */
import { App, Stack } from 'aws-cdk-lib';

const app = new App({ outdir: process.argv[2] });
new Stack(app, 'Empty');
app.synth();
