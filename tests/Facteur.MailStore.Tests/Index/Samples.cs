namespace Facteur.MailStore.Tests.Index;

/// <summary>Messages with the structures clients meet: alternative text/html, an attachment, a forwarded message.</summary>
internal static class Samples
{
    public const string MixedWithAlternativeAttachmentAndMessage =
        "From: \"Joe Q. Public\" <john.q.public@example.com>\r\n" +
        "To: Mary Smith <mary@x.test>, jdoe@example.org, =?UTF-8?Q?J=C3=B6rg?= <one@y.test>\r\n" +
        "Cc: undisclosed:;, Team: a@b.test, c@d.test;\r\n" +
        "Subject: Re: [list] Fwd: Test message (fwd)\r\n" +
        "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n" +
        "Message-ID: <5678.21-Nov-1997@example.com>\r\n" +
        "In-Reply-To: <1234@local.machine.example>\r\n" +
        "References: <1234@local.machine.example>\r\n <3456@example.net>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
        "\r\n" +
        "preamble\r\n" +
        "--outer\r\n" +
        "Content-Type: multipart/alternative; boundary=\"alt\"\r\n" +
        "\r\n" +
        "--alt\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Content-Transfer-Encoding: quoted-printable\r\n" +
        "\r\n" +
        "Hello=20world\r\n" +
        "second line\r\n" +
        "--alt\r\n" +
        "Content-Type: text/html; charset=utf-8\r\n" +
        "\r\n" +
        "<p>Hello</p>\r\n" +
        "--alt--\r\n" +
        "\r\n" +
        "--outer\r\n" +
        "Content-Type: application/pdf; name=\"doc.pdf\"\r\n" +
        "Content-Disposition: attachment; filename=\"doc.pdf\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "Content-ID: <part3@example.com>\r\n" +
        "Content-Description: A document\r\n" +
        "Content-Language: en, fr\r\n" +
        "Content-Location: http://example.com/doc.pdf\r\n" +
        "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n" +
        "\r\n" +
        "JVBERi0xLjQK\r\n" +
        "--outer\r\n" +
        "Content-Type: message/rfc822\r\n" +
        "\r\n" +
        "From: inner@example.com\r\n" +
        "Subject: Inner\r\n" +
        "Date: Wed, 2 Jul 2003 10:00:00 +0000\r\n" +
        "\r\n" +
        "Inner body\r\n" +
        "--outer--\r\n";
}
