namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// Messages whose structure servers tend to get wrong: nested multiparts, attachments,
/// message/rfc822, a multipart without its boundary, no Content-Type at all, encoded-word and
/// RFC 2231 parameters, raw 8-bit headers, groups and odd addresses, bare-LF line ends.
/// </summary>
internal static class OddMime
{
    public static readonly string[] Messages =
    [
        // 1. multipart/mixed: alternative (plain + html), a base64 attachment, a forwarded message.
        "From: \"Ann Example\" <ann@example.test>\r\nTo: alice@example.test, \"Bob\" <bob@example.test>\r\nSubject: =?UTF-8?B?Q2Fmw6k=?= report\r\n" +
        "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nMessage-ID: <mp1@example.test>\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\npreamble\r\n--outer\r\n" +
        "Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n--inner\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Language: en\r\n\r\nHello plain world\r\n" +
        "--inner\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>Hello =C3=A9 html</p>\r\n--inner--\r\n" +
        "--outer\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n" +
        "--outer\r\nContent-Type: message/rfc822\r\n\r\nFrom: inner@example.test\r\nTo: someone@example.test\r\nSubject: Inner\r\nDate: Tue, 8 Feb 1994 10:00:00 +0100\r\nMessage-ID: <inner@example.test>\r\n\r\nInner body\r\nline two\r\n--outer--\r\nepilogue\r\n",

        // 2. A multipart that names no boundary.
        "From: a@example.test\r\nSubject: no boundary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nlost\r\n--x--\r\n",

        // 3. No MIME headers at all: text/plain; charset us-ascii by default (RFC 2045 §5.2).
        "From: plain@example.test\r\nTo: alice@example.test\r\nSubject: bare\r\n\r\nJust text.\r\nTwo lines.\r\n",

        // 4. Encoded-word and RFC 2231 parameters (plain, charset + language, continuations).
        "From: files@example.test\r\nSubject: names\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b4\r\n\r\n" +
        "--b4\r\nContent-Type: application/pdf; name=\"=?UTF-8?B?w6l0w6kucGRm?=\"\r\nContent-Disposition: attachment; filename=\"=?UTF-8?B?w6l0w6kucGRm?=\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n" +
        "--b4\r\nContent-Type: text/plain; charset=us-ascii; name*=UTF-8''%C3%A9t%C3%A9.txt\r\nContent-Disposition: attachment; filename*=UTF-8'fr'%C3%A9t%C3%A9.txt\r\n\r\nsummer\r\n" +
        "--b4\r\nContent-Type: text/plain; name*0=\"very long \"; name*1=\"name.txt\"\r\nContent-Disposition: inline; filename*0*=UTF-8''long%20; filename*1=\"name.txt\"; size=6\r\n" +
        "Content-ID: <part3@example.test>\r\nContent-Description: a description\r\nContent-Language: fr, en\r\nContent-Location: http://example.test/x\r\nContent-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n\r\nwinter\r\n--b4--\r\n",

        // 5. Raw 8-bit (UTF-8) headers, as many mailers send them.
        "From: J\u00fcrgen M\u00fcller <juergen@example.test>\r\nTo: \"Andr\u00e9\" <andre@example.test>\r\nSubject: Caf\u00e9 cr\u00e8me\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCaf\u00e9\r\n",

        // 6. Groups, empty group, route and quoted local parts, several senders, Reply-To, In-Reply-To.
        "From: one@example.test, \"Two, Esq.\" <two@example.test>\r\nSender: secretary@example.test\r\nReply-To: list@example.test\r\n" +
        "To: undisclosed-recipients:;\r\nCc: Team: a@example.test, \"b c\"@example.test;, <@route.example:d@example.test>\r\nBcc: nodomain\r\n" +
        "Subject: addresses\r\nIn-Reply-To: <parent@example.test>\r\nMessage-ID: <addr@example.test>\r\nDate: 1 Jan 2024 00:00 +0000\r\n\r\nbody\r\n",

        // 7. message/rfc822 at the top, itself multipart.
        "From: fwd@example.test\r\nSubject: forward\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n" +
        "From: orig@example.test\r\nSubject: original\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n" +
        "--alt\r\nContent-Type: text/plain\r\n\r\nplain\r\n--alt\r\nContent-Type: text/html\r\n\r\n<b>html</b>\r\n--alt--\r\n",

        // 8. Bare LF line ends (sizes and line counts must be as if CRLF, RFC 3501 §2.3.4).
        "From: lf@example.test\nSubject: bare lf\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=lf\n\n--lf\nContent-Type: text/plain\n\none\ntwo\n--lf\nContent-Type: message/rfc822\n\nSubject: in lf\n\ninner\n--lf--\n",

        // 9. Empty body, uppercase and unusual types, a parameter without value, a Content-Type with comments.
        "From: odd@example.test\r\nSubject: empty\r\nMIME-Version: 1.0\r\nContent-Type: TEXT/X-Odd (comment); Format=Flowed; DelSp=\"yes\"\r\n\r\n",

        // 10. A multipart whose boundary never appears.
        "From: broken@example.test\r\nSubject: broken\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"never\"; type=\"text/html\"\r\n\r\njust some text\r\n",
        // 11. Raw 8-bit parameter values, a quoted-pair in a parameter, and a header with no body separator.
        "From: raw@example.test\r\nSubject: raw params\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"r r\"\r\n\r\n" +
        "--r r\r\nContent-Type: application/pdf; name=\"\u00e9t\u00e9.pdf\"\r\nContent-Disposition: attachment; filename=\"a \\\"quoted\\\" name.pdf\"\r\n\r\nPDF\r\n" +
        "--r r\r\nContent-Type: message/rfc822; name=fwd.eml\r\nContent-Disposition: attachment\r\n\r\nSubject: header only, no blank line\r\nFrom: x@example.test\r\n--r r--\r\n",

        // 12. multipart/digest: parts default to message/rfc822 (RFC 2046 §5.1.5).
        "From: digest@example.test\r\nSubject: digest\r\nMIME-Version: 1.0\r\nContent-Type: multipart/digest; boundary=d\r\n\r\n" +
        "--d\r\n\r\nFrom: one@example.test\r\nSubject: first digested\r\n\r\none\r\n--d\r\n\r\nFrom: two@example.test\r\nSubject: second digested\r\n\r\ntwo\r\n--d--\r\n",

        // 13. A part with an unknown transfer encoding.
        "From: enc@example.test\r\nSubject: x-enc\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=e\r\n\r\n--e\r\nContent-Type: application/x-thing\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\nend\r\n--e--\r\n",
    ];
}
