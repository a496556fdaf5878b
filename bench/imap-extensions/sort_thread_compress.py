# SORT / THREAD / COMPRESS on a 10,000-message INBOX: Facteur vs Dovecot, same messages, same run.
#
#   python3 bench/imap-extensions/sort_thread_compress.py DIR 10000 make       # builds DIR/facteur/data/mail/localhost/alice and a copy DIR/dovecot/mail
#   cd DIR/facteur && cp $REPO/services/standalone/appsettings.json . \
#     && echo "alice@localhost:$(doveadm pw -s SHA512-CRYPT -p 'bench pass'):::::" > data/accounts \
#     && Imap__Port=P Imap__TlsPort=... (free ports for every listener) dotnet $REPO/services/standalone/bin/Release/net10.0/Facteur.Standalone.dll &
#   python3 bench/imap-extensions/sort_thread_compress.py DIR 10000 facteur P   # Facteur over a socket (cold = first command, warm = second)
#   python3 bench/imap-extensions/sort_thread_compress.py DIR 10000 dovecot     # Debian's /usr/lib/dovecot/imap in PREAUTH mode; prints ratios and whether answers match
# SORT/THREAD/COMPRESS on a 10,000-message INBOX: Facteur (standalone, socket) vs Dovecot (PREAUTH imap binary, pipes), same messages.
import os, sys, time, random, socket, subprocess, shutil, zlib, email.utils
N = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
root = sys.argv[1]
random.seed(7)
people = [f"person{i}" for i in range(200)]
topics = [f"topic number {i}" for i in range(800)]
def make_maildir(path):
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, d), exist_ok=True)
    ids = []
    t0 = 1700000000
    for i in range(N):
        date = t0 + random.randint(0, 365 * 86400)
        refs = ""
        subject = random.choice(topics)
        if ids and random.random() < 0.6:
            parent = random.choice(ids[-300:])
            refs = f"References: <{parent}@bench>\r\nIn-Reply-To: <{parent}@bench>\r\n"
            subject = "Re: " + subject
        mid = f"m{i}"
        ids.append(mid)
        body = ("line of text for the body of the message\r\n" * random.randint(3, 40))
        msg = (f"From: \"{random.choice(people).title()}\" <{random.choice(people)}@example.test>\r\nTo: {random.choice(people)}@example.test\r\n"
               f"Cc: {random.choice(people)}@example.test\r\nSubject: {subject}\r\nDate: {email.utils.formatdate(date)}\r\nMessage-ID: <{mid}@bench>\r\n{refs}\r\n{body}")
        name = f"{t0 + i}.M{i}P1.bench,S={len(msg)}"
        p = os.path.join(path, "cur", name + ":2,S")
        with open(p, "w") as f:
            f.write(msg)
        os.utime(p, (date, date))

class Conn:
    def __init__(self, send, recv):
        self.send, self.recv, self.buf, self.n, self.inbytes = send, recv, b"", 0, 0
    def cmd(self, text):
        self.n += 1
        tag = b"t%d" % self.n
        self.send(tag + b" " + text.encode() + b"\r\n")
        while True:
            i = self.buf.find(b"\r\n" + tag + b" ")
            if self.buf.startswith(tag + b" ") or i >= 0:
                j = self.buf.find(b"\r\n", (i + 2) if i >= 0 else 0)
                if j >= 0:
                    out, self.buf = self.buf[:j + 2], self.buf[j + 2:]
                    return out
            chunk = self.recv()
            if not chunk:
                raise SystemExit("closed")
            self.buf += chunk

def facteur_conn(port, compress=False):
    s = socket.create_connection(("127.0.0.1", port), timeout=300)
    c = Conn(s.sendall, lambda: s.recv(1 << 16))
    while b"\r\n" not in c.buf:
        c.buf += s.recv(4096)
    c.buf = b""
    c.cmd('LOGIN alice@localhost "bench pass"')
    counter = {"wire": 0}
    if compress:
        c.cmd("COMPRESS DEFLATE")
        comp, dec = zlib.compressobj(6, zlib.DEFLATED, -15), zlib.decompressobj(-15)
        def recv():
            d = s.recv(1 << 16)
            counter["wire"] += len(d)
            return dec.decompress(d)
        c.send = lambda b: s.sendall(comp.compress(b) + comp.flush(zlib.Z_SYNC_FLUSH))
        c.recv = recv
    else:
        def recv():
            d = s.recv(1 << 16)
            counter["wire"] += len(d)
            return d
        c.recv = recv
    c.counter = counter
    return c

def dovecot_conn(maildir, home):
    conf = os.path.join(home, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(f"mail_location = maildir:{maildir}\nmail_uid = 65534\nmail_gid = 65534\nfirst_valid_uid = 1\nfirst_valid_gid = 1\nssl = no\nlog_path = /dev/null\n")
    env = dict(os.environ, USER="bench", HOME=home)
    p = subprocess.Popen(["/usr/lib/dovecot/imap", "-c", conf], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    def send(b):
        p.stdin.write(b); p.stdin.flush()
    c = Conn(send, lambda: os.read(p.stdout.fileno(), 1 << 16))
    while b"\r\n" not in c.buf:
        c.buf += c.recv()
    c.buf = b""
    return c

COMMANDS = ["UID SORT (DATE) UTF-8 ALL", "UID SORT (SUBJECT) UTF-8 ALL", "UID SORT (FROM) UTF-8 ALL", "UID SORT (REVERSE ARRIVAL) UTF-8 ALL",
            "UID THREAD REFERENCES UTF-8 ALL", "UID THREAD ORDEREDSUBJECT UTF-8 ALL"]
def run(c, label):
    t = time.perf_counter(); c.cmd("SELECT INBOX"); sel = time.perf_counter() - t
    res = {}
    for cmd in COMMANDS:
        t = time.perf_counter(); out1 = c.cmd(cmd); cold = time.perf_counter() - t
        t = time.perf_counter(); out2 = c.cmd(cmd); warm = time.perf_counter() - t
        res[cmd] = (cold, warm, out2.split(b"\r\n")[0])
    return sel, res

if __name__ == "__main__":
    which = sys.argv[3]
    if which == "make":
        make_maildir(os.path.join(root, "facteur/data/mail/localhost/alice"))
        shutil.copytree(os.path.join(root, "facteur/data/mail/localhost/alice"), os.path.join(root, "dovecot/mail"))
        subprocess.run(["chmod", "-R", "a+rwX", os.path.join(root, "dovecot")])
    elif which == "facteur":
        c = facteur_conn(int(sys.argv[4]))
        sel, res = run(c, "facteur")
        print("facteur SELECT", round(sel, 3))
        for k, v in res.items():
            print("facteur", k, "cold", round(v[0], 3), "warm", round(v[1], 3), len(v[2]))
        import pickle; pickle.dump(res, open(os.path.join(root, "facteur.pkl"), "wb"))
        for comp in (False, True):
            c = facteur_conn(int(sys.argv[4]), compress=comp)
            c.cmd("EXAMINE INBOX")
            c.counter["wire"] = 0
            t = time.perf_counter(); c.cmd("UID FETCH 1:* (FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)"); dt = time.perf_counter() - t
            print("facteur fetch envelope 1:* compress=%s wire_bytes=%d seconds=%.3f" % (comp, c.counter["wire"], dt))
    elif which == "dovecot":
        home = os.path.join(root, "dovecot/home"); os.makedirs(home, exist_ok=True); os.chmod(home, 0o777)
        c = dovecot_conn(os.path.join(root, "dovecot/mail"), home)
        sel, res = run(c, "dovecot")
        print("dovecot SELECT", round(sel, 3))
        import pickle; f = pickle.load(open(os.path.join(root, "facteur.pkl"), "rb"))
        for k, v in res.items():
            fv = f[k]
            print("dovecot", k, "cold", round(v[0], 3), "warm", round(v[1], 3), "| facteur/dovecot cold %.2f warm %.2f | same answer: %s" % (fv[0] / v[0], fv[1] / v[1], fv[2] == v[2]))
