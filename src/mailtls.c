/* mailtls.c - the TLS policy of the mail connections (smtp.c, imap.c) and its failures in words */
#include "mailtls.h"

#include <stdio.h>
#include <string.h>

#include "banned.h"

long mailtls_mode(const char *setting, const char *password)
{
	if (setting && !strcmp(setting, "starttls"))
		return CURLUSESSL_ALL;
	if (setting && !strcmp(setting, "none"))
		return CURLUSESSL_NONE;
	return password && *password ? CURLUSESSL_ALL : CURLUSESSL_TRY;
}

void mailtls_setopt(CURL *c, long mode, const char *ca_file)
{
	curl_easy_setopt(c, CURLOPT_USE_SSL, mode);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file && *ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
}

int mailtls_trouble(long res, const char *proto, const char *err, char *why, size_t whylen)
{
	switch (res) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		snprintf(why, whylen, "the server's certificate is not trusted (%s): if it is "
			 "right, give its CA's certificate as %s_ca_file", err, proto);
		return 1;
	case CURLE_USE_SSL_FAILED:
		snprintf(why, whylen, "the server offers no STARTTLS, which %s_tls starttls or a "
			 "password requires (%s)", proto, err);
		return 1;
	case CURLE_SSL_CONNECT_ERROR:
		snprintf(why, whylen, "no TLS connection with the server (%s): check %s_url "
			 "(%ss:// for implicit TLS, %s:// for STARTTLS)", err, proto, proto, proto);
		return 1;
	default:
		return 0;
	}
}
