"""Drives and records a mail server over IMAP and POP3 with Python's imaplib/poplib (real clients).

  mailstate.py setup-alice HOST IMAPPORT USER PASSWORD   -- folders, flags, keywords, appends (Dovecot)
  mailstate.py setup-bob   HOST IMAPPORT USER PASSWORD   -- flags and keywords on an mbox INBOX (Dovecot)
  mailstate.py imap HOST IMAPPORT USER PASSWORD          -- JSON: folders, UIDVALIDITY, per message UID, flags, date, size, sha256
  mailstate.py pop3 HOST POP3PORT USER PASSWORD          -- JSON: UIDL, size, sha256 of each message
"""
import hashlib, imaplib, json, poplib, re, sys, time

def imap_login(host, port, user, password):
    m = imaplib.IMAP4(host, int(port))
    m.login(user, password)
    return m

def msg(subject, body):
    return ("From: alice@esp.sn\r\nTo: bob@esp.sn\r\nSubject: %s\r\nMessage-ID: <%s@esp.sn>\r\n\r\n%s\r\n" % (subject, subject.replace(" ", "."), body)).encode()

def setup_alice(m):
    for folder in ("Sent", "Work.Projects"):
        m.create(folder); m.subscribe(folder)
    date = lambda s: imaplib.Time2Internaldate(time.mktime(time.strptime(s, "%Y-%m-%d %H:%M:%S")) - time.timezone)
    m.append("INBOX", r"(\Seen)", date("2024-10-01 08:00:00"), msg("first", "hello"))
    m.append("INBOX", r"(\Flagged \Answered Important $Label1)", date("2024-10-02 09:30:00"), msg("second", "From the desk of\r\n.dot line\r\nd\u00e9j\u00e0"))
    m.append("INBOX", r"()", date("2024-10-03 10:00:00"), msg("third", "\r\n".join(["x" * 70] * 80)))
    m.append("Sent", r"(\Seen)", date("2024-10-04 11:00:00"), msg("sent one", "bye"))
    m.append("Work.Projects", r"(\Draft \Seen)", date("2024-10-05 12:00:00"), msg("draft", "later"))
    m.select("INBOX")
    m.store("1", "+FLAGS", r"(\Deleted)")   # flagged deleted, not expunged
    m.logout()

def setup_bob(m):
    m.select("INBOX")
    m.store("1", "+FLAGS", r"(\Seen \Answered)")
    m.store("2", "+FLAGS", r"(Junk)")
    m.create("Archive"); m.subscribe("Archive")
    m.append("Archive", r"(\Seen \Flagged)", imaplib.Time2Internaldate(1600000000), msg("archived", "old"))
    m.close()
    m.logout()

def imap_state(m):
    state = {}
    typ, folders = m.list()
    for line in folders:
        text = line.decode()
        if "\\Noselect" in text or "\\NonExistent" in text:
            continue
        name = text.rsplit(" ", 1)[-1].strip('"')
        typ, data = m.select('"%s"' % name, readonly=True)
        uidvalidity = int(m.untagged_responses.get("UIDVALIDITY", [b"0"])[0])
        messages = []
        if int(data[0]) > 0:
            typ, fetched = m.fetch("1:*", "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
            for item in fetched:
                if not isinstance(item, tuple):
                    continue
                head = item[0].decode()
                flags = sorted(f for f in re.search(r"FLAGS \(([^)]*)\)", head).group(1).split() if f != "\\Recent")
                date = re.search(r'INTERNALDATE "([^"]+)"', head).group(1)
                messages.append({
                    "uid": int(re.search(r"UID (\d+)", head).group(1)),
                    "flags": flags,
                    "internaldate": int(time.mktime(imaplib.Internaldate2tuple(('INTERNALDATE "%s"' % date).encode()))),
                    "size": int(re.search(r"RFC822.SIZE (\d+)", head).group(1)),
                    "sha256": hashlib.sha256(item[1]).hexdigest(),
                })
        state[name] = {"uidvalidity": uidvalidity, "messages": messages}
    typ, subscribed = m.lsub()
    state_subs = sorted(l.decode().rsplit(" ", 1)[-1].strip('"') for l in subscribed if l)
    m.logout()
    return {"folders": state, "subscribed": state_subs}

def pop3_state(host, port, user, password):
    p = poplib.POP3(host, int(port))
    p.user(user); p.pass_(password)
    sizes = {int(l.split()[0]): int(l.split()[1]) for l in p.list()[1]}
    out = []
    for line in p.uidl()[1]:
        number, uidl = line.decode().split()
        lines = p.retr(int(number))[1]
        out.append({"uidl": uidl, "size": sizes[int(number)], "sha256": hashlib.sha256(b"".join(l + b"\r\n" for l in lines)).hexdigest()})
    p.quit()
    return out

if __name__ == "__main__":
    mode, host, port, user, password = sys.argv[1:6]
    if mode == "setup-alice":
        setup_alice(imap_login(host, port, user, password))
    elif mode == "setup-bob":
        setup_bob(imap_login(host, port, user, password))
    elif mode == "imap":
        print(json.dumps(imap_state(imap_login(host, port, user, password))))
    elif mode == "pop3":
        print(json.dumps(pop3_state(host, port, user, password)))
