/* mime.c - building e-mail messages: headers that cannot be injected, quoted-printable bodies */
#include "mime.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "datetime.h"

#include "banned.h"

int mime_addr_ok(const char *s)
{
	const char *at;

	if (!s || !*s || strlen(s) > 254)
		return 0;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c >= 127 || strchr("<>()[],;:\\\"", c))
			return 0;
	}
	at = strchr(s, '@');
	return at && at != s && at[1] && !strchr(at + 1, '@');
}

static int has_break(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

static int is_ascii_text(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s >= 127 || (unsigned char)*s < ' ')
			return 0;
	}
	return 1;
}

/*
 * Appends a header value that is free text (a name, a subject): as it is when it is plain
 * ASCII (quoted when `phrase` and it holds specials), else as UTF-8 "B" encoded words of at
 * most 45 bytes each, never splitting a character.
 */
static int add_words(struct fu_ctx *ctx, struct buf *out, const char *s, int phrase)
{
	size_t n = strlen(s);
	int rc = FU_OK;

	if (is_ascii_text(s) && n < 900) {
		if (!phrase || strcspn(s, "()<>[]:;@\\,.\"") == n)
			return buf_adds(ctx, out, s);
		rc = buf_addc(ctx, out, '"');
		for (const char *p = s; !rc && *p; p++) {
			if (*p == '"' || *p == '\\')
				rc = buf_addc(ctx, out, '\\');
			if (!rc)
				rc = buf_addc(ctx, out, *p);
		}
		return rc ? rc : buf_addc(ctx, out, '"');
	}
	for (size_t i = 0; i < n && !rc;) {
		char b64[sodium_base64_ENCODED_LEN(45, sodium_base64_VARIANT_ORIGINAL)];
		size_t len = n - i > 45 ? 45 : n - i;

		/* back off to the start of a UTF-8 character */
		while (i + len < n && len > 1 && ((unsigned char)s[i + len] & 0xC0) == 0x80)
			len--;
		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s + i, len,
				  sodium_base64_VARIANT_ORIGINAL);
		rc = buf_addf(ctx, out, "%s=?UTF-8?B?%s?=", i ? "\r\n " : "", b64);
		i += len;
	}
	return rc;
}

static int add_mailbox(struct fu_ctx *ctx, struct buf *out, const char *header, const char *name,
		       const char *addr)
{
	int rc = buf_addf(ctx, out, "%s: ", header);

	if (!rc && name && *name) {
		rc = add_words(ctx, out, name, 1);
		if (!rc)
			rc = buf_addf(ctx, out, " <%s>\r\n", addr);
		return rc;
	}
	return rc ? rc : buf_addf(ctx, out, "%s\r\n", addr);
}

int mime_qp(struct fu_ctx *ctx, const char *s, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;
	int rc = FU_OK;

	for (const char *p = s; *p && !rc; p++) {
		unsigned char c = (unsigned char)*p;
		char enc[4] = { 0 };
		size_t w;

		if (c == '\r')
			continue;
		if (c == '\n') {
			rc = buf_add(ctx, out, "\r\n", 2);
			col = 0;
			continue;
		}
		/* encode what is not plain printable ASCII, '=', a space or tab before a line end,
		 * and a dot or "From " at a line start (for naive relays) */
		if (c == '=' || c > 126 || (c < ' ' && c != '\t') ||
		    ((c == ' ' || c == '\t') && (p[1] == '\n' || p[1] == '\r' || !p[1])) ||
		    (col == 0 && (c == '.' || (c == 'F' && !strncmp(p, "From ", 5))))) {
			enc[0] = '=';
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
		} else {
			enc[0] = (char)c;
		}
		w = strlen(enc);
		if (col + w > 75) {
			rc = buf_add(ctx, out, "=\r\n", 3);
			col = 0;
		}
		if (!rc)
			rc = buf_add(ctx, out, enc, w);
		col += w;
	}
	return rc;
}

int mime_build(struct fu_ctx *ctx, const struct mail *m, struct buf *out)
{
	const char *texts[] = { m->from_name, m->to_name, m->subject, m->message_id,
				m->unsubscribe_url };
	const char *names[] = { "from name", "to name", "subject", "message id",
				"unsubscribe url" };
	char date[64];
	struct civil cv;
	static const char *const wd[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t day;
	int rc;

	if (!mime_addr_ok(m->from_addr))
		return fu_err(ctx, FU_EINPUT, "mail from: '%.80s' is not an address",
			      m->from_addr ? m->from_addr : "");
	if (!mime_addr_ok(m->to_addr))
		return fu_err(ctx, FU_EINPUT, "mail to: '%.80s' is not an address",
			      m->to_addr ? m->to_addr : "");
	if (m->reply_to && !mime_addr_ok(m->reply_to))
		return fu_err(ctx, FU_EINPUT, "mail reply-to: '%.80s' is not an address", m->reply_to);
	if (m->unsubscribe_mailto && !mime_addr_ok(m->unsubscribe_mailto))
		return fu_err(ctx, FU_EINPUT, "mail unsubscribe: '%.80s' is not an address",
			      m->unsubscribe_mailto);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (has_break(texts[i]))
			return fu_err(ctx, FU_EINPUT, "mail %s: line break in a header", names[i]);
	}
	if (!m->message_id || !mime_addr_ok(m->message_id))
		return fu_err(ctx, FU_EINPUT, "mail message id: '%.80s' is not local@domain",
			      m->message_id ? m->message_id : "");
	if (m->unsubscribe_url && !is_ascii_text(m->unsubscribe_url))
		return fu_err(ctx, FU_EINPUT, "mail unsubscribe url: not printable ASCII");

	dt_to_civil(m->date, &cv);
	day = m->date >= 0 ? m->date / 86400 : -((-m->date + 86399) / 86400);
	snprintf(date, sizeof(date), "%s, %02d %s %04d %02d:%02d:%02d +0000",
		 wd[((day % 7) + 7) % 7], cv.day, mon[(cv.month - 1) % 12], cv.year, cv.hour, cv.min,
		 cv.sec);
	rc = add_mailbox(ctx, out, "From", m->from_name, m->from_addr);
	if (!rc)
		rc = add_mailbox(ctx, out, "To", m->to_name, m->to_addr);
	if (!rc && m->reply_to)
		rc = buf_addf(ctx, out, "Reply-To: %s\r\n", m->reply_to);
	if (!rc)
		rc = buf_adds(ctx, out, "Subject: ");
	if (!rc)
		rc = add_words(ctx, out, m->subject ? m->subject : "", 0);
	if (!rc)
		rc = buf_addf(ctx, out, "\r\nDate: %s\r\nMessage-ID: <%s>\r\n", date, m->message_id);
	if (!rc && m->automated)
		rc = buf_adds(ctx, out, "Auto-Submitted: auto-generated\r\n");
	if (!rc && (m->unsubscribe_url || m->unsubscribe_mailto)) {
		rc = buf_adds(ctx, out, "List-Unsubscribe: ");
		if (!rc && m->unsubscribe_url)
			rc = buf_addf(ctx, out, "<%s>%s", m->unsubscribe_url,
				      m->unsubscribe_mailto ? ",\r\n " : "");
		if (!rc && m->unsubscribe_mailto)
			rc = buf_addf(ctx, out, "<mailto:%s?subject=unsubscribe>",
				      m->unsubscribe_mailto);
		if (!rc)
			rc = buf_adds(ctx, out, "\r\n");
		if (!rc && m->unsubscribe_url)
			rc = buf_adds(ctx, out, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
	}
	if (!rc)
		rc = buf_adds(ctx, out,
			      "MIME-Version: 1.0\r\n"
			      "Content-Type: text/plain; charset=UTF-8\r\n"
			      "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	if (!rc)
		rc = mime_qp(ctx, m->text ? m->text : "", out);
	if (!rc && (out->len < 2 || strcmp(out->s + out->len - 2, "\r\n") != 0))
		rc = buf_adds(ctx, out, "\r\n");
	return rc;
}
