#!/usr/bin/env node
// Writes package.json's `contributes.walkthroughs` from src/shared/learningPath.ts (the one place the learning
// path's steps are written), after `tsc -p tsconfig.json`:   npm run walkthrough
// test/unit/learningPath.test.ts fails when package.json and the module disagree.
'use strict';
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const { walkthroughContribution } = require(path.join(REPO, 'out', 'src', 'shared', 'learningPath.js'));
const file = path.join(REPO, 'package.json');
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
pkg.contributes.walkthroughs = walkthroughContribution();
fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
console.log(`package.json: ${pkg.contributes.walkthroughs[0].steps.length} walkthrough steps written`);
