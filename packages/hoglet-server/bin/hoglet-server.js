#!/usr/bin/env node
// The CLI is built to dist/; this stub exists before the build so npm can link the bin.
import '../dist/cli.js'
