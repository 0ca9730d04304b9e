/* mailtls.h - what the SMTP and the IMAP connection share: the TLS policy and what a TLS failure means */
#ifndef FU_MAILTLS_H
#define FU_MAILTLS_H

#include <stddef.h>

#include <curl/curl.h>

/*
 * The CURLUSESSL_* mode of a `*_tls` setting: "starttls" requires TLS, "none" never uses
 * it, anything else (unset, "try") uses it when offered. A password never goes over a
 * connection that may be plain text: with one, "try" becomes "required" (and "none" with
 * one is refused by sendconf_load unless the URL is implicit TLS).
 */
long mailtls_mode(const char *setting, const char *password);

/*
 * Sets c's TLS options for mode: the server's certificate is always verified (the name
 * too), against ca_file (PEM) when given, else the system's authorities. There is no way
 * to skip the check.
 */
void mailtls_setopt(CURL *c, long mode, const char *ca_file);

/*
 * 1 when res is a TLS failure that only a change of the settings mends, with words a person
 * can act on in why (the settings named after proto: "smtp" gives smtp_ca_file, smtp_tls,
 * smtp_url); err is curl's own message. 0 for anything else (why untouched).
 */
int mailtls_trouble(long res, const char *proto, const char *err, char *why, size_t whylen);

#endif
