#!/usr/bin/env node
// The `strata` command: TypeScript sources, no build step (load-cli.mjs bundles them on first use).
import { loadCli } from './load-cli.mjs';

const { main } = await loadCli();
process.exitCode = await main(process.argv.slice(2));
