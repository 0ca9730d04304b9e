/* openapi.c - GET /api/v1/openapi.json: the route table (routes.c) described in OpenAPI 3.1, with the bodies of the main routes */
#include "srv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/*
 * The JSON Schemas of the bodies (components/schemas), written with ' for " so that they
 * read as JSON here; nothing in them is an apostrophe. What the server sends is made by
 * src/jview.c and the handlers: change a schema with the body it describes
 * (tests/e2e/t0020 checks real answers against these).
 */
static const char schemas_text[] =
	"'Problem': {'type': 'object', 'required': ['type', 'title', 'status'], 'properties': "
		"{'type': {'type': 'string'}, 'title': {'type': 'string'}, 'status': {'type': "
		"'integer'}, 'detail': {'type': 'string'}, 'pointer': {'type': 'string'}, 'line': "
		"{'type': 'integer'}, 'column': {'type': 'integer'}, 'field': {'type': 'string'}}},"
	"'Contact': {'type': 'object', 'required': ['key'], 'properties': {'key': {'type': "
		"'string'}, 'name': {'type': ['string', 'null']}, 'email': {'type': ['string', "
		"'null']}, 'phone': {'type': ['string', 'null']}, 'company': {'type': ['string', "
		"'null']}, 'owner': {'type': ['string', 'null']}, 'tz': {'type': ['string', "
		"'null']}, 'attributes': {'type': 'object'}}},"
	"'ContactIn': {'type': 'object', 'required': ['key'], 'properties': {'key': {'type': "
		"'string', 'maxLength': 256}, 'name': {'type': 'string'}, 'email': {'type': "
		"'string'}, 'phone': {'type': 'string'}, 'company': {'type': 'string'}, 'owner': "
		"{'type': 'string'}, 'tz': {'type': 'string'}}, 'additionalProperties': {'type': "
		"'string'}},"
	"'State': {'type': 'object', 'required': ['stage', 'events'], 'properties': {'stage': "
		"{'enum': ['lead', 'customer', 'repeat', 'dormant']}, 'events': {'type': 'integer'}, "
		"'purchases': {'type': 'integer'}, 'spend': {'type': 'number'}, 'last_event': "
		"{'type': ['string', 'null'], 'format': 'date-time'}}},"
	"'ContactWithState': {'allOf': [{'$ref': '#/components/schemas/Contact'}, {'type': "
		"'object', 'required': ['state'], 'properties': {'state': {'$ref': "
		"'#/components/schemas/State'}}}]},"
	"'ContactPage': {'type': 'object', 'required': ['items', 'next_cursor'], 'properties': "
		"{'items': {'type': 'array', 'items': {'$ref': "
		"'#/components/schemas/ContactWithState'}}, 'next_cursor': {'type': ['string', "
		"'null']}}},"
	"'Event': {'type': 'object', 'required': ['id', 'type', 'time'], 'properties': {'id': "
		"{'type': 'integer'}, 'ext_id': {'type': ['string', 'null']}, 'type': {'type': "
		"'string'}, 'time': {'type': 'string', 'format': 'date-time'}, 'amount': {'type': "
		"['number', 'null']}, 'ref': {'type': ['string', 'null']}, 'due': {'type': "
		"['string', 'null'], 'format': 'date-time'}, 'channel': {'type': ['string', "
		"'null']}, 'outcome': {'type': ['string', 'null']}, 'note': {'type': ['string', "
		"'null']}, 'author': {'type': ['string', 'null']}}},"
	"'Reason': {'type': 'object', 'required': ['trigger', 'why', 'due', 'channel'], "
		"'properties': {'trigger': {'type': 'string'}, 'why': {'type': 'string'}, 'events': "
		"{'type': 'array', 'items': {'type': 'integer'}}, 'since': {'type': ['string', "
		"'null'], 'format': 'date-time'}, 'due': {'type': ['string', 'null'], 'format': "
		"'date-time'}, 'channel': {'type': 'string'}, 'priority': {'type': 'integer'}, "
		"'transactional': {'type': 'boolean'}, 'say': {'type': 'string'}}},"
	"'Followup': {'type': 'object', 'required': ['id', 'contact', 'due', 'reasons'], "
		"'properties': {'id': {'type': 'string'}, 'contact': {'type': 'string'}, 'name': "
		"{'type': ['string', 'null']}, 'owner': {'type': ['string', 'null']}, 'email': "
		"{'type': ['string', 'null']}, 'phone': {'type': ['string', 'null']}, 'tz': {'type': "
		"['string', 'null']}, 'due': {'type': ['string', 'null'], 'format': 'date-time'}, "
		"'overdue': {'type': 'boolean'}, 'escalated': {'type': 'boolean'}, 'automated': "
		"{'type': 'boolean'}, 'do_not_contact': {'type': 'boolean'}, 'channel': {'type': "
		"'string'}, 'priority': {'type': 'integer'}, 'say': {'type': 'string'}, 'reasons': "
		"{'type': 'array', 'items': {'$ref': '#/components/schemas/Reason'}}}},"
	"'ContactDetail': {'type': 'object', 'required': ['contact', 'state', 'events', "
		"'followup'], 'properties': {'contact': {'$ref': '#/components/schemas/Contact'}, "
		"'state': {'$ref': '#/components/schemas/State'}, 'events': {'type': 'array', "
		"'items': {'$ref': '#/components/schemas/Event'}}, 'followup': {'oneOf': [{'$ref': "
		"'#/components/schemas/Followup'}, {'type': 'null'}]}}},"
	"'EventIn': {'type': 'object', 'required': ['type', 'contact'], 'properties': {'id': "
		"{'type': 'string'}, 'type': {'type': 'string'}, 'contact': {'type': 'string'}, "
		"'time': {'type': 'string'}, 'amount': {'type': ['string', 'number']}, 'ref': "
		"{'type': 'string'}, 'due': {'type': 'string'}, 'channel': {'type': 'string'}, "
		"'outcome': {'type': 'string'}, 'note': {'type': 'string'}}},"
	"'EventsIn': {'oneOf': [{'$ref': '#/components/schemas/EventIn'}, {'type': 'array', "
		"'minItems': 1, 'maxItems': 10000, 'items': {'$ref': "
		"'#/components/schemas/EventIn'}}, {'type': 'object', 'required': ['events'], "
		"'properties': {'events': {'type': 'array', 'minItems': 1, 'maxItems': 10000, "
		"'items': {'$ref': '#/components/schemas/EventIn'}}}}]},"
	"'EventsStored': {'type': 'object', 'required': ['stored', 'duplicates', "
		"'contacts_new'], 'properties': {'stored': {'type': 'integer'}, 'duplicates': "
		"{'type': 'integer'}, 'contacts_new': {'type': 'integer'}}},"
	"'Agenda': {'type': 'object', 'required': ['day', 'items'], 'properties': {'day': "
		"{'type': 'string', 'format': 'date'}, 'items': {'type': 'array', 'items': {'$ref': "
		"'#/components/schemas/Followup'}}}},"
	"'Login': {'type': 'object', 'required': ['name', 'password'], 'properties': {'name': "
		"{'type': 'string'}, 'password': {'type': 'string'}}},"
	"'LoginDone': {'type': 'object', 'required': ['user', 'role', 'csrf_token'], "
		"'properties': {'user': {'type': 'string'}, 'role': {'enum': ['admin', 'rep']}, "
		"'csrf_token': {'type': 'string'}, 'expires_in': {'type': 'integer'}}},"
	"'Me': {'type': 'object', 'required': ['user', 'role', 'read_only', 'session'], "
		"'properties': {'user': {'type': 'string'}, 'role': {'enum': ['admin', 'rep']}, "
		"'read_only': {'type': 'boolean'}, 'session': {'type': 'boolean'}, 'csrf_token': "
		"{'type': 'string'}}},"
	"'Done': {'type': 'object', 'required': ['outcome'], 'properties': {'outcome': "
		"{'enum': ['reached', 'voicemail', 'no-answer', 'not-yet', 'won', 'no', "
		"'opted-out']}, 'next': {'type': 'string'}, 'note': {'type': 'string'}}},"
	"'Snooze': {'type': 'object', 'required': ['until'], 'properties': {'until': {'type': "
		"'string'}, 'note': {'type': 'string'}}},"
	"'Recorded': {'type': 'object', 'required': ['followup', 'contact', 'event', "
		"'outcome'], 'properties': {'followup': {'type': 'string'}, 'contact': {'type': "
		"'string'}, 'event': {'type': 'integer'}, 'outcome': {'type': 'string'}}},"
	"'Playbook': {'type': 'object', 'required': ['name', 'rules', 'yaml'], 'properties': "
		"{'name': {'type': 'string'}, 'rules': {'type': 'integer'}, 'yaml': {'type': "
		"'string'}}},"
	"'PlaybookIn': {'type': 'object', 'required': ['yaml'], 'properties': {'yaml': "
		"{'type': ['string', 'null']}}},"
	"'PlaybookSet': {'type': 'object', 'required': ['name', 'rules'], 'properties': "
		"{'name': {'type': 'string'}, 'rules': {'type': 'integer'}}},"
	"'JobStatus': {'type': 'object', 'required': ['name', 'when', 'running', 'runs', "
		"'failures'], 'properties': {'name': {'type': 'string'}, 'when': {'type': 'string'}, "
		"'off': {'type': ['string', 'null']}, 'running': {'type': 'boolean'}, 'next': "
		"{'type': ['string', 'null'], 'format': 'date-time'}, 'last_start': {'type': "
		"['string', 'null'], 'format': 'date-time'}, 'last_duration_ms': {'type': ['number', "
		"'null']}, 'last_result': {'type': ['string', 'null']}, 'last_error': {'oneOf': "
		"[{'type': 'null'}, {'type': 'object', 'required': ['at', 'error'], 'properties': "
		"{'at': {'type': ['string', 'null'], 'format': 'date-time'}, 'error': {'type': "
		"'string'}}}]}, 'runs': {'type': 'integer'}, 'failures': {'type': 'integer'}}},"
	"'Health': {'type': 'object', 'required': ['status', 'database_readable', "
		"'database_writable', 'schema', 'jobs'], 'properties': {'status': {'enum': ['ok', "
		"'failing']}, 'database_readable': {'type': 'boolean'}, 'database_writable': "
		"{'type': 'boolean'}, 'schema': {'type': 'integer'}, 'jobs': {'type': 'object', "
		"'required': ['mode', 'list'], 'properties': {'mode': {'type': 'string'}, 'list': "
		"{'type': 'array', 'items': {'$ref': '#/components/schemas/JobStatus'}}}}}},"
	"'JobRun': {'type': 'object', 'required': ['job', 'start', 'duration_ms', 'result', "
		"'detail'], 'properties': {'job': {'type': 'string'}, 'start': {'type': ['string', "
		"'null'], 'format': 'date-time'}, 'duration_ms': {'type': 'number'}, 'result': "
		"{'enum': ['ok', 'error']}, 'detail': {'type': 'string'}}},"
	"'OutboxItem': {'type': 'object', 'required': ['id', 'contact', 'state', 'tries'], "
		"'properties': {'id': {'type': 'string'}, 'contact': {'type': ['string', 'null']}, "
		"'channel': {'type': ['string', 'null']}, 'state': {'enum': ['queued', 'sending', "
		"'sent', 'deferred', 'bounced', 'failed', 'uncertain', 'dropped']}, 'tries': "
		"{'type': 'integer'}, 'to': {'type': ['string', 'null']}, 'subject': {'type': "
		"['string', 'null']}, 'due': {'type': ['string', 'null'], 'format': 'date-time'}, "
		"'last': {'type': ['string', 'null'], 'format': 'date-time'}, 'next_try': {'type': "
		"['string', 'null'], 'format': 'date-time'}, 'why': {'type': ['string', 'null']}}},"
	"'Outbox': {'type': 'object', 'required': ['items', 'counts'], 'properties': {'items': "
		"{'type': 'array', 'items': {'$ref': '#/components/schemas/OutboxItem'}}, 'counts': "
		"{'type': 'object', 'additionalProperties': {'type': 'integer'}}}},"
	"'OutboxDecision': {'type': 'object', 'required': ['id', 'done'], 'properties': {'id': "
		"{'type': 'string'}, 'done': {'enum': ['resend', 'drop']}}},"
	"'Models': {'type': 'object', 'required': ['model'], 'properties': {'model': {'type': "
		"['object', 'null']}}},"
	"'Imported': {'type': 'object', 'required': ['kind', 'rows', 'stored', 'duplicates', "
		"'contacts_new'], 'properties': {'kind': {'enum': ['contacts', 'events']}, 'rows': "
		"{'type': 'integer'}, 'stored': {'type': 'integer'}, 'duplicates': {'type': "
		"'integer'}, 'contacts_new': {'type': 'integer'}, 'ignored_columns': {'type': "
		"'string'}}}"
	;

/*
 * The bodies of the main routes, by method and path as in the route table: what a request
 * carries (media type and schema, NULL for none) and what a success answers (status and
 * schema). A route without a row is documented with a plain "200: success".
 */
struct api_body {
	const char *method, *path;
	const char *req_type, *req_schema; /* a schema name, or "text" for a plain text body */
	const char *req_type2, *req_schema2; /* a second media type, or NULL */
	int status;
	const char *resp_schema;
};

static const struct api_body bodies[] = {
	{ "GET", "/health", NULL, NULL, NULL, NULL, 200, "Health" },
	{ "POST", "/api/v1/login", "application/json", "Login", NULL, NULL, 200, "LoginDone" },
	{ "GET", "/api/v1/me", NULL, NULL, NULL, NULL, 200, "Me" },
	{ "GET", "/api/v1/contacts", NULL, NULL, NULL, NULL, 200, "ContactPage" },
	{ "POST", "/api/v1/contacts", "application/json", "ContactIn", NULL, NULL, 201, "Contact" },
	{ "GET", "/api/v1/contacts/{key}", NULL, NULL, NULL, NULL, 200, "ContactDetail" },
	{ "POST", "/api/v1/events", "application/json", "EventsIn", NULL, NULL, 201, "EventsStored" },
	{ "GET", "/api/v1/agenda", NULL, NULL, NULL, NULL, 200, "Agenda" },
	{ "POST", "/api/v1/followups/{id}/done", "application/json", "Done", NULL, NULL, 201, "Recorded" },
	{ "POST", "/api/v1/followups/{id}/snooze", "application/json", "Snooze", NULL, NULL, 201, "Recorded" },
	{ "GET", "/api/v1/playbook", NULL, NULL, NULL, NULL, 200, "Playbook" },
	{ "PUT", "/api/v1/playbook", "application/yaml", "text", "application/json", "PlaybookIn", 200, "PlaybookSet" },
	{ "POST", "/api/v1/jobs/{name}/run", NULL, NULL, NULL, NULL, 200, "JobRun" },
	{ "GET", "/api/v1/outbox", NULL, NULL, NULL, NULL, 200, "Outbox" },
	{ "POST", "/api/v1/outbox/{id}/resend", NULL, NULL, NULL, NULL, 200, "OutboxDecision" },
	{ "POST", "/api/v1/outbox/{id}/drop", NULL, NULL, NULL, NULL, 200, "OutboxDecision" },
	{ "GET", "/api/v1/models", NULL, NULL, NULL, NULL, 200, "Models" },
	{ "POST", "/api/v1/import/{kind}", "text/csv", "text", "application/x-ndjson", "text", 201, "Imported" },
};

/* {"$ref": "#/components/schemas/NAME"}, or a string schema for "text". */
static json_t *schema_ref(const char *name)
{
	char ref[96];

	if (!strcmp(name, "text"))
		return json_pack("{s:s}", "type", "string");
	snprintf(ref, sizeof(ref), "#/components/schemas/%s", name);
	return json_pack("{s:s}", "$ref", ref);
}

/* The components/schemas object (a new reference; NULL on out-of-memory). */
static json_t *schemas(void)
{
	size_t n = strlen(schemas_text);
	char *text = malloc(n + 3);
	json_t *v;

	if (!text)
		return NULL;
	/* the fragments above are the members of one object */
	text[0] = '{';
	for (size_t i = 0; i < n; i++)
		text[i + 1] = schemas_text[i] == '\'' ? '"' : schemas_text[i];
	text[n + 1] = '}';
	text[n + 2] = '\0';
	v = json_loads(text, 0, NULL);
	free(text);
	return v;
}

/* The responses and request body of one operation (its row of bodies[], if any). */
static json_t *operation_bodies(const struct route *rt, json_t *op)
{
	json_t *problem = json_pack("{s:s, s:{s:{s:o}}}", "description",
				    "a problem (RFC 9457)", "content", "application/problem+json",
				    "schema", schema_ref("Problem"));
	json_t *responses = json_object();
	const struct api_body *b = NULL;
	char status[8];

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		if (!strcmp(bodies[i].method, rt->method) && !strcmp(bodies[i].path, rt->path))
			b = &bodies[i];
	if (!b) {
		json_object_set_new(responses, "200", json_pack("{s:s}", "description", "success"));
	} else {
		snprintf(status, sizeof(status), "%d", b->status);
		json_object_set_new(responses, status,
				    json_pack("{s:s, s:{s:{s:o}}}", "description", "success",
					      "content", "application/json", "schema",
					      schema_ref(b->resp_schema)));
		if (b->req_type) {
			json_t *content = json_pack("{s:{s:o}}", b->req_type, "schema",
						    schema_ref(b->req_schema));

			if (content && b->req_type2)
				json_object_set_new(content, b->req_type2,
						    json_pack("{s:o}", "schema",
							      schema_ref(b->req_schema2)));
			json_object_set_new(op, "requestBody",
					    json_pack("{s:b, s:o}", "required", 1, "content", content));
		}
	}
	json_object_set_new(responses, "default", problem);
	return json_object_set_new(op, "responses", responses) ? NULL : op;
}

int route_openapi(struct req *r)
{
	json_t *doc = json_pack("{s:s, s:{s:s, s:s}, s:{}, s:{s:{s:{s:s, s:s}}, s:o}}", "openapi",
				"3.1.0", "info", "title", "followup", "version", "1", "paths",
				"components", "securitySchemes", "bearer", "type", "http",
				"scheme", "bearer", "schemas", schemas());
	json_t *paths = json_object_get(doc, "paths");

	for (size_t i = 0; doc && i < routes_count; i++) {
		const struct route *rt = &routes[i];
		json_t *item, *op;
		char method[8], path[128];
		size_t k = strlen(rt->path);

		if (rt->flags & R_PAGE) /* HTML for people, not the API */
			continue;
		/* a final "*" is one path parameter in OpenAPI's terms */
		if (k && rt->path[k - 1] == '*')
			snprintf(path, sizeof(path), "%.*s{path}", (int)(k - 1), rt->path);
		else
			snprintf(path, sizeof(path), "%s", rt->path);
		item = json_object_get(paths, path);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, path, item);
		}
		for (k = 0; rt->method[k] && k < sizeof(method) - 1; k++)
			method[k] = (char)(rt->method[k] | 0x20);
		method[k] = '\0';
		op = json_pack("{s:s}", "summary", rt->summary);
		if (op)
			operation_bodies(rt, op);
		if (op && !(rt->flags & R_PUBLIC))
			json_object_set_new(op, "security", json_pack("[{s:[]}]", "bearer"));
		/* the routes that change data: read-only tokens get 403 (tests/e2e/t0020 walks them) */
		if (op && (rt->flags & R_WRITE))
			json_object_set_new(op, "x-writes", json_true());
		if (op && strchr(path, '{')) {
			const char *p = strchr(path, '{');
			char name[32];
			size_t n = strcspn(p + 1, "}");

			snprintf(name, sizeof(name), "%.*s", (int)n, p + 1);
			json_object_set_new(op, "parameters",
					    json_pack("[{s:s, s:s, s:b, s:{s:s}}]", "name", name, "in",
						      "path", "required", 1, "schema", "type",
						      "string"));
		}
		json_object_set_new(item, method, op);
	}
	if (!doc || !json_is_object(json_object_get(json_object_get(doc, "components"), "schemas")))
		return http_problem(r, 500, "out of memory", NULL);
	return http_json(r, 200, doc);
}
