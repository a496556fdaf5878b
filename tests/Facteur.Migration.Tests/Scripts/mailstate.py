"""Records what a POP3 client relies on, with Python's poplib (a real client; IMAP is read with MailKit).

  mailstate.py pop3 HOST POP3PORT USER PASSWORD          -- JSON: UIDL, size, sha256 of each message
"""
import hashlib, json, poplib, sys

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
    if mode != "pop3":
        sys.exit("usage: mailstate.py pop3 HOST PORT USER PASSWORD")
    print(json.dumps(pop3_state(host, port, user, password)))
