/*
 * path.h: canonicalisation of request paths, before routing and before
 * any static file is opened.
 *
 * A canonical path is what rb_path_canon() and rb_path_canon_decoded()
 * produce. It:
 *   - starts with '/';
 *   - is valid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 *     above U+10FFFF);
 *   - holds no NUL, no backslash, no C0 control (0x01-0x1f), no DEL and
 *     no C1 control (U+0080-U+009F);
 *   - holds no empty segment ("//"), no "." segment and no ".." segment;
 *   - ends with '/' only when it is "/" or when the input ended with '/',
 *     "/." or "/.." (as in RFC 3986 section 5.2.4: "/a/b/.." is "/a/");
 *   - is shorter than RB_PATH_MAX bytes.
 * A ".." segment removes the segment before it; one that would climb above
 * the root ("/..", "/a/../..") makes the whole path rejected, where RFC 3986
 * would silently clamp it. Segments such as "...", ".x" or "..;" are names.
 *
 * Percent-decoding happens exactly once, before segments are split, so
 * "%2e%2e" is "..", "%2f" is a separator and "%5c" a (rejected) backslash:
 * every encoding of a traversal is seen and resolved like its plain form.
 * A '%' produced by decoding ("%252e" gives "%2e") is an ordinary byte and
 * is never decoded again, so it names a file called "%2e", not "..".
 *
 * Whether the path exists, or is a symbolic link leading out of the root,
 * is not checked here: open files with O_NOFOLLOW or equivalent.
 */
#ifndef RB_PATH_H
#define RB_PATH_H

#include <stddef.h>

/*
 * Size of a buffer that holds any canonical path and its NUL. Decoded
 * input of RB_PATH_MAX bytes or more is rejected even if dot segments
 * would shorten it.
 */
#define RB_PATH_MAX	1024

/*
 * Canonicalises the URL path raw[0..len) (query and fragment already
 * removed; raw needs no NUL terminator), percent-decoding it first.
 * On success writes the canonical path and its NUL to out and returns 0.
 * Returns -1, with out set to "" when outlen > 0, when raw is empty or
 * does not start with '/', holds a '%' not followed by two hex digits,
 * decodes to any byte a canonical path may not hold (see above), is not
 * valid UTF-8 once decoded, climbs above the root, decodes to RB_PATH_MAX
 * bytes or more, or when the result and its NUL do not fit in outlen
 * bytes (an out of RB_PATH_MAX bytes always suffices).
 */
int	rb_path_canon(const char *raw, size_t len, char *out, size_t outlen);

/*
 * Same as rb_path_canon() for a path that was already percent-decoded
 * (libmicrohttpd decodes the URL it hands to handlers): '%' is an ordinary
 * byte here. Everything else, including the rejection of NUL inside
 * path[0..len), backslashes, controls and climbing "..", is identical.
 * For any canonical path p, rb_path_canon_decoded(p) is p.
 */
int	rb_path_canon_decoded(const char *path, size_t len, char *out,
	    size_t outlen);

/*
 * Builds root followed by canon into out, for opening a file under root
 * (a directory; trailing slashes of root are dropped, "/" stays the
 * filesystem root). canon must already be canonical: it is checked again
 * and rejected unless rb_path_canon_decoded() leaves it unchanged, so the
 * result can never name anything outside root. Returns 0 on success; -1,
 * with out set to "" when outlen > 0, when root is empty, canon is not
 * canonical, or the result and its NUL do not fit in outlen bytes.
 */
int	rb_path_join_under(const char *root, const char *canon, char *out,
	    size_t outlen);

#endif
