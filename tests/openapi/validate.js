// validate.js DOC [METHOD PATH STATUS BODY]... - checks the server's OpenAPI document DOC with
// a standard validator (@apidevtools/swagger-parser: the OpenAPI 3.1 schema, and every $ref
// resolves), then each real answer BODY (a file) against the schema the document gives for
// METHOD PATH and STATUS (ajv, JSON Schema 2020-12). Prints one line per check; exits 1 when
// any fails, naming what and where.
'use strict';
const fs = require('fs');
const SwaggerParser = require('@apidevtools/swagger-parser');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');

async function main(argv) {
  const [docPath, ...rest] = argv;
  if (!docPath || rest.length % 4 !== 0) {
    console.error('usage: node validate.js DOC [METHOD PATH STATUS BODY]...');
    return 2;
  }
  const text = fs.readFileSync(docPath, 'utf8');
  let failed = 0;
  try {
    await SwaggerParser.validate(JSON.parse(text));
    console.log('ok - the document is valid OpenAPI ' + JSON.parse(text).openapi);
  } catch (e) {
    console.log('not ok - the document is not valid OpenAPI: ' + e.message);
    return 1;
  }
  const doc = await SwaggerParser.dereference(JSON.parse(text));
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  for (let i = 0; i < rest.length; i += 4) {
    const [method, path, status, bodyPath] = rest.slice(i, i + 4);
    const what = `${method} ${path} ${status} (${bodyPath})`;
    const op = doc.paths[path] && doc.paths[path][method.toLowerCase()];
    const resp = op && op.responses && op.responses[status];
    const schema = resp && resp.content && resp.content['application/json'] &&
      resp.content['application/json'].schema;
    if (!schema) {
      console.log(`not ok - ${what}: the document gives no JSON schema for it`);
      failed++;
      continue;
    }
    const validate = ajv.compile(schema);
    const body = JSON.parse(fs.readFileSync(bodyPath, 'utf8'));
    if (validate(body)) {
      console.log(`ok - ${what} matches its schema`);
    } else {
      console.log(`not ok - ${what}: ` + ajv.errorsText(validate.errors));
      failed++;
    }
  }
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then((rc) => process.exit(rc), (e) => {
  console.log('not ok - ' + e.stack);
  process.exit(1);
});
