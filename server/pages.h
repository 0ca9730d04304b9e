/* pages.h - the server-rendered pages' shared parts (pages.c): the layout, answers, fields */
#ifndef FU_PAGES_H
#define FU_PAGES_H

#include <jansson.h>

#include "html.h"
#include "http.h"

/* The pages' navigation: which item is current. */
enum page_nav {
	NAV_NONE, NAV_TODAY, NAV_CONTACTS, NAV_LAPSED, NAV_REPORT, NAV_OUTBOX, NAV_PLAYBOOK,
	NAV_IMPORT, NAV_TEAM
};

/* The document's start (head, the header with navigation, search and logout) and end. */
void page_begin(struct html *h, struct req *r, const char *title, int nav);
void page_end(struct html *h);
/* Answers h's page with status, the strict CSP and no caching; releases h. */
int page_send(struct req *r, struct html *h, int status);
/* The session's CSRF token as the form's hidden "csrf" field (nothing for an API token). */
void page_csrf(struct html *h, struct req *r);
/* A failed src/ call on a page: the page for its status (400/404/422/500) with the message. */
int page_fail(struct req *r, int rc);
/* 303 to location (a path of ours: anything else goes to /today). */
int page_see_other(struct req *r, const char *location);

/* A labelled text input: <label for=id>label</label><input id=id name=name value=value>. */
void page_input(struct html *h, const char *type, const char *id, const char *name,
		const char *label, const char *value);
/* A member of a JSON object as text: a string as is, a number printed, else NULL. */
const char *page_jtext(const json_t *o, const char *key, char *tmp, size_t n);
/* The form post's field (NULL when absent or unreadable); "" is NULL too. */
const char *page_field(struct req *r, const char *name);

/* pages-admin.c */
int page_playbook(struct req *r);
int page_playbook_check(struct req *r);
int page_playbook_whatif(struct req *r);
int page_playbook_save(struct req *r);
int page_import(struct req *r);
int page_import_preview(struct req *r);
int page_import_run(struct req *r);
int page_team(struct req *r);
int page_team_user(struct req *r);
int page_team_token(struct req *r);
int page_team_revoke(struct req *r);
int page_team_form(struct req *r);

/* pages.c */
int page_login(struct req *r);
int page_login_post(struct req *r);
int page_logout(struct req *r);
int page_today(struct req *r);
int page_done(struct req *r);
int page_snooze(struct req *r);
int page_contacts(struct req *r);
int page_contact(struct req *r);
int page_contact_save(struct req *r);
int page_contact_event(struct req *r);
int page_lapsed(struct req *r);
int page_report(struct req *r);
int page_outbox(struct req *r);
int page_outbox_resend(struct req *r);
int page_outbox_drop(struct req *r);

#endif
