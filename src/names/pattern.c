/* pattern.c - DNS name patterns of rules and site files, and their checker.
 * specification: wirespec names.h (ws_name_match); RFC 4343 (case), RFC 1035
 * section 2.3.4 (sizes), RFC 6125 section 6.4.3 (wildcards inside a label),
 * RFC 3696 section 2 (a top-level label is never all digits) */
#include "names/names_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Length of s without one trailing dot. */
static size_t trimmed_len(const char *s)
{
    size_t n = strlen(s);
    return (n > 0 && s[n - 1] == '.') ? n - 1 : n;
}

static size_t count_labels(const char *s, size_t n)
{
    size_t k = 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '.')
            k++;
    return k;
}

static bool has_empty_label(const char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return true;
    for (size_t i = 1; i < n; i++)
        if (s[i] == '.' && s[i - 1] == '.')
            return true;
    return false;
}

/* Glob match of one pattern label against one name label: '*' is a run of
 * zero or more characters, the rest matches without regard to ASCII case. */
static bool label_match(const char *p, size_t pn, const char *s, size_t sn)
{
    size_t pi = 0, si = 0;
    size_t star = (size_t)-1, mark = 0;
    while (si < sn) {
        if (pi < pn && p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < pn && ws_name_lower((uint8_t)p[pi]) == ws_name_lower((uint8_t)s[si])) {
            pi++;
            si++;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < pn && p[pi] == '*')
        pi++;
    return pi == pn;
}

/* Matches the last k labels of both strings, label by label. */
static bool labels_match(const char *p, size_t pn, const char *s, size_t sn)
{
    /* walk both from the right */
    size_t pe = pn, se = sn;
    for (;;) {
        size_t pb = pe, sb = se;
        while (pb > 0 && p[pb - 1] != '.')
            pb--;
        while (sb > 0 && s[sb - 1] != '.')
            sb--;
        if (!label_match(p + pb, pe - pb, s + sb, se - sb))
            return false;
        if (pb == 0 || sb == 0)
            return pb == 0 && sb == 0;
        pe = pb - 1;
        se = sb - 1;
    }
}

bool ws_name_match(const char *pattern, const char *name)
{
    if (!pattern || !name)
        return false;
    size_t pn = trimmed_len(pattern), sn = trimmed_len(name);
    if (has_empty_label(pattern, pn) || has_empty_label(name, sn))
        return false;
    if (pn >= 2 && pattern[0] == '*' && pattern[1] == '.') {
        /* "*." + rest: one or more whole labels, then rest */
        const char *rest = pattern + 2;
        size_t rn = pn - 2;
        size_t rk = count_labels(rest, rn), sk = count_labels(name, sn);
        if (sk <= rk)
            return false;
        /* skip the leading sk - rk labels of name */
        size_t skip = sk - rk, i = 0;
        while (skip > 0) {
            if (name[i++] == '.')
                skip--;
        }
        return labels_match(rest, rn, name + i, sn - i);
    }
    if (count_labels(pattern, pn) != count_labels(name, sn))
        return false;
    return labels_match(pattern, pn, name, sn);
}

/* Writes the reason into why (when given); returns false for the caller. */
__attribute__((format(printf, 3, 4)))
static bool why_set(char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return false;
}

bool ws_name_pattern_valid(const char *pattern, char *why, size_t whylen)
{
    if (!pattern || pattern[0] == '\0')
        return why_set(why, whylen, "the pattern is empty");
    size_t n = trimmed_len(pattern);
    if (n > WS_NAME_TEXT_MAX)
        return why_set(why, whylen, "the pattern is longer than 253 characters (%zu)", n);
    if (has_empty_label(pattern, n))
        return why_set(why, whylen, "\"%s\" has an empty label", pattern);

    size_t label_no = 0, label_len = 0;
    for (size_t i = 0; i <= n; i++) {
        char ch = i < n ? pattern[i] : '.';
        if (ch == '.') {
            label_no++;
            if (label_len > WS_LABEL_MAX)
                return why_set(why, whylen,
                               "\"%s\": label %zu is longer than 63 characters",
                               pattern, label_no);
            label_len = 0;
            continue;
        }
        label_len++;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '*';
        if (!ok)
            return why_set(why, whylen,
                           "\"%s\": character %zu is not a letter, digit, '-', '_' or '*'",
                           pattern, i + 1);
        if (ch == '*' && i + 1 < n && pattern[i + 1] == '*')
            return why_set(why, whylen, "\"%s\": \"**\" at character %zu", pattern, i + 1);
    }
    /* the last label: after the last '.' before n */
    size_t last_start = 0;
    for (size_t i = n; i > 0; i--)
        if (pattern[i - 1] == '.') {
            last_start = i;
            break;
        }
    bool digits = true;
    for (size_t i = last_start; i < n; i++) {
        if (pattern[i] == '*')
            return why_set(why, whylen,
                           "\"%s\": a '*' in the last label would match any top-level domain",
                           pattern);
        if (pattern[i] < '0' || pattern[i] > '9')
            digits = false;
    }
    if (digits)
        return why_set(why, whylen,
                       "\"%s\": the last label is all digits (an address, not a name)",
                       pattern);
    return true;
}
