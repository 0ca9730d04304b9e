/* sendconf.h - where messages go and with which credentials: a private file or the environment */
#ifndef FU_SENDCONF_H
#define FU_SENDCONF_H

#include "fu.h"

/*
 * The sending settings. Never stored in the database: they come from a `key = value` file
 * that only its owner may read (mode 0600 or stricter, owned by the user running followup),
 * then from the environment, which wins key by key:
 *
 *   smtp_url        FOLLOWUP_SMTP_URL       smtp://host:587 (STARTTLS) or smtps://host:465
 *   smtp_user       FOLLOWUP_SMTP_USER
 *   smtp_password   FOLLOWUP_SMTP_PASSWORD
 *   smtp_tls        FOLLOWUP_SMTP_TLS       starttls (required), try, or none; default try;
 *                                           with a password, try means required and none is
 *                                           refused (mailtls.h): it never goes in clear text
 *   smtp_ca_file    FOLLOWUP_SMTP_CA_FILE   PEM certificates to trust for the server instead of
 *                                           the system's (a private CA); never "trust anything"
 *   from            FOLLOWUP_MAIL_FROM      the business's address, the sender of every message
 *   webhook_url     FOLLOWUP_WEBHOOK_URL    where webhook messages are POSTed
 *   webhook_secret  FOLLOWUP_WEBHOOK_SECRET the key of their HMAC-SHA256 signature
 *   unsubscribe_url FOLLOWUP_UNSUBSCRIBE_URL the page that takes ?token=... (one-click)
 *   imap_url        FOLLOWUP_IMAP_URL       imap://host:143/INBOX or imaps://host:993/INBOX,
 *                                           the mailbox `followup receive` reads
 *   imap_user       FOLLOWUP_IMAP_USER
 *   imap_password   FOLLOWUP_IMAP_PASSWORD
 *   imap_tls        FOLLOWUP_IMAP_TLS       starttls (required), try, or none; default try
 *   imap_ca_file    FOLLOWUP_IMAP_CA_FILE   as smtp_ca_file, for the IMAP server
 *   app_url         FOLLOWUP_APP_URL        the web app's address, for links in the digest;
 *                                           the address at which followup serve is reached
 *                                           from outside (https://crm.example.com): the
 *                                           links of automated e-mails then go through its
 *                                           /c/TOKEN (click.h), and unsubscribe_url
 *                                           defaults to its /u
 *   owner.NAME      -                       owner NAME's own address (their Reply-To, and
 *                                           where their morning digest goes)
 *
 * Strings are malloced and freed by sendconf_release().
 */
struct sendconf_owner {
	char *name, *address;
};

struct sendconf {
	char *smtp_url, *smtp_user, *smtp_password, *smtp_tls, *smtp_ca_file;
	char *from;
	char *webhook_url, *webhook_secret;
	char *unsubscribe_url;
	char *imap_url, *imap_user, *imap_password, *imap_tls, *imap_ca_file;
	char *app_url;
	struct sendconf_owner *owners;
	int nowners;
	size_t cap_owners;
};

void sendconf_init(struct sendconf *c);
void sendconf_release(struct sendconf *c);

/* Frees a malloced string that held a secret (a password, a settings file's text) after
 * overwriting it in a way the compiler cannot leave out; NULL is fine. */
void sendconf_secret_free(char *s);

/*
 * Reads the file at path (NULL: none; a missing file is an error only when `required`), then
 * the environment. FU_EINPUT for a file others may read ("send.conf: readable by others;
 * chmod 600 it"), one owned by someone else, or a bad line ("send.conf:3: unknown key 'x'");
 * FU_EIO when it cannot be read.
 */
int sendconf_load(struct fu_ctx *ctx, const char *path, int required, struct sendconf *c);

/* The address of owner `name` (from owner.NAME, or name itself when it is an address), or NULL. */
const char *sendconf_owner_address(const struct sendconf *c, const char *name);

#endif
