// `npm run user -- add NAME --tenant T --password P`: filled in by the multi-user work (issue 14).
console.error('npm run user: not built yet');
process.exitCode = 1;
