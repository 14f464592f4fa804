#!/usr/bin/python3
"""Captures the seed corpora of the libFuzzer targets (t/fuzz/*_fuzz.c).

Starts a MariaDB server of its own (mariadb-install-db, mariadbd on a free
loopback port, in a temporary directory, stopped at the end), puts a
recording relay in front of it and runs real clients through the relay:
the mariadb and mariadb-admin programs (plain, compressed, TLS), Perl's
DBD::MariaDB with server-side prepared statements, PyMySQL, MySQLdb's
change_user, and a small client of this script's own for the commands and
capabilities the others do not use (session tracking, cursors, long data,
auth switches, COM_FIELD_LIST, ...).  Every byte either way is recorded;
the seeds are then cut from the recordings, each behind the selector bytes
its target reads (the formats are in the targets' header comments).
obproxyctl's request lines are recorded from a control socket of this
script's own; session exports are written by fuzz/sexport_seed (built by
make -C t fuzz/sexport_seed) from sessions captured here.

Usage: capture-seeds.py BUILD_DIR [CORPUS_DIR]
  BUILD_DIR   a configured and built tree (master/obproxyctl and
              t/fuzz/sexport_seed are taken from it)
  CORPUS_DIR  default: t/fuzz/corpus beside this script; the packet,
              session, ctl and conf folders are replaced (conf: the files
              of etc/), the others kept
"""

import hashlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

# Capability flags (shared/mysql.h).
LONG_PASSWORD = 0x1
FOUND_ROWS = 0x2
LONG_FLAG = 0x4
CONNECT_WITH_DB = 0x8
COMPRESS = 0x20
LOCAL_FILES = 0x80
PROTOCOL_41 = 0x200
SSL = 0x800
TRANSACTIONS = 0x2000
SECURE_CONNECTION = 0x8000
MULTI_STATEMENTS = 0x10000
MULTI_RESULTS = 0x20000
PS_MULTI_RESULTS = 0x40000
PLUGIN_AUTH = 0x80000
CONNECT_ATTRS = 0x100000
LENENC_DATA = 0x200000
SESSION_TRACK = 0x800000
DEPRECATE_EOF = 0x1000000

BASE_CAPS = (LONG_PASSWORD | LONG_FLAG | PROTOCOL_41 | TRANSACTIONS
             | SECURE_CONNECTION | MULTI_STATEMENTS | MULTI_RESULTS
             | PS_MULTI_RESULTS | PLUGIN_AUTH | LENENC_DATA | LOCAL_FILES)

# Commands.
COM_QUIT, COM_INIT_DB, COM_QUERY, COM_FIELD_LIST = 1, 2, 3, 4
COM_STATISTICS, COM_PROCESS_INFO, COM_PROCESS_KILL = 9, 10, 12
COM_PING, COM_CHANGE_USER = 14, 17
COM_STMT_PREPARE, COM_STMT_EXECUTE, COM_STMT_SEND_LONG_DATA = 22, 23, 24
COM_STMT_CLOSE, COM_STMT_RESET, COM_SET_OPTION, COM_STMT_FETCH = \
    25, 26, 27, 28
COM_RESET_CONNECTION = 31

# Selector bytes of the targets (t/fuzz/packet_fuzz.c, session_fuzz.c).
P_HANDSHAKE, P_RESPONSE, P_LOGIN, P_OK, P_ERR, P_EOF, P_SWITCH, \
    P_ROW, P_CHUSER, P_EXECUTE = range(10)
S_RESPONSE, S_STMTS, S_QUERY, S_UNZIP, S_ZIP, S_EXPORT, S_ADMIN = range(7)
STMT_CLIENT, STMT_PREPARED, STMT_MOVE = range(3)

PASSWORD = 'obfuzz'
MAX_SEED = 4096


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=120, check=False,
                          **kw)


class Server:
    """mariadbd in <tmp>, with TLS keys, a database and two users."""

    def __init__(self, tmp):
        self.dir = tmp
        data = os.path.join(tmp, 'data')
        os.makedirs(os.path.join(tmp, 'tmp'))
        run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
             '-days', '2', '-subj', '/CN=127.0.0.1', '-keyout',
             os.path.join(tmp, 'key.pem'), '-out',
             os.path.join(tmp, 'cert.pem')])
        out = run(['mariadb-install-db', '--no-defaults', '--user=root',
                   '--datadir=' + data, '--tmpdir=' + tmp + '/tmp',
                   '--auth-root-authentication-method=normal',
                   '--skip-test-db', '--skip-name-resolve'])
        if out.returncode != 0:
            sys.exit('mariadb-install-db failed:\n' + out.stdout.decode())
        self.sock = os.path.join(tmp, 'mysqld.sock')
        self.port = free_port()
        self.log = open(os.path.join(tmp, 'err.log'), 'wb')
        self.proc = subprocess.Popen(
            ['mariadbd', '--no-defaults', '--user=root', '--datadir=' + data,
             '--port=%d' % self.port, '--bind-address=127.0.0.1',
             '--socket=' + self.sock, '--pid-file=' + tmp + '/pid',
             '--tmpdir=' + tmp + '/tmp', '--skip-log-bin',
             '--skip-name-resolve', '--innodb-buffer-pool-size=16M',
             '--performance-schema=OFF', '--local-infile=1',
             '--loose-feedback=OFF', '--ssl-cert=' + tmp + '/cert.pem',
             '--ssl-key=' + tmp + '/key.pem'],
            stdout=self.log, stderr=self.log)
        for _ in range(300):
            if os.path.exists(self.sock):
                break
            time.sleep(0.1)

    def setup(self):
        self.sql("""
            CREATE USER app@'%' IDENTIFIED BY '""" + PASSWORD + """';
            GRANT ALL ON *.* TO app@'%';
            CREATE DATABASE shop;
            CREATE TABLE shop.t (id BIGINT PRIMARY KEY, name VARCHAR(32),
                price DECIMAL(10,2), born DATE, seen DATETIME(6),
                took TIME, ratio DOUBLE, img BLOB);
            INSERT INTO shop.t VALUES
                (1, 'anna', 10.50, '1990-05-17', '2024-01-31 10:00:00.5',
                 '-01:02:03', 0.25, x'00ff'),
                (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                (3, 'björn', 7.00, '2001-12-01', '2024-02-29 23:59:59',
                 '838:59:59', 1e300, '');
            DELIMITER //
            CREATE PROCEDURE shop.two() BEGIN SELECT 1 AS a;
                SELECT id, name FROM shop.t; END//
            """)
        # An account of another plugin: logins of it are switched.
        if self.sql("INSTALL SONAME 'auth_ed25519'", check=False) == 0:
            self.sql("CREATE USER ed@'%' IDENTIFIED VIA ed25519 USING "
                     "PASSWORD('" + PASSWORD + "')")

    def sql(self, text, check=True):
        out = run(['mariadb', '--no-defaults', '--socket=' + self.sock,
                   '-uroot', '-e', text])
        if check and out.returncode != 0:
            sys.exit('mariadb failed: ' + out.stdout.decode())
        return out.returncode

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


class Relay:
    """A TCP relay to the server that records each connection's bytes."""

    def __init__(self, port):
        self.up = port
        self.lsock = socket.socket()
        self.lsock.bind(('127.0.0.1', 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.conns = []
        self.lock = threading.Lock()
        self.open = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            c, _ = self.lsock.accept()
            s = socket.create_connection(('127.0.0.1', self.up))
            events = []
            with self.lock:
                self.conns.append(events)
                self.open += 2
            for src, dst, tag in ((c, s, 'c'), (s, c, 's')):
                threading.Thread(target=self._pump,
                                 args=(src, dst, tag, events),
                                 daemon=True).start()

    def _pump(self, src, dst, tag, events):
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b''
            if not data:
                break
            with self.lock:
                events.append((tag, data))
            try:
                dst.sendall(data)
            except OSError:
                break
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        with self.lock:
            self.open -= 1

    def take(self):
        """The connections recorded since the last take, once all ended."""
        for _ in range(200):
            with self.lock:
                if self.open == 0:
                    conns, self.conns = self.conns, []
                    return conns
            time.sleep(0.05)
        sys.exit('relay: a connection did not end')


def packets(data):
    """(seq, payload, raw) of each whole packet of a stream."""
    out, pos = [], 0
    while pos + 4 <= len(data):
        n = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
        if pos + 4 + n > len(data):
            break
        out.append((data[pos + 3], data[pos + 4:pos + 4 + n],
                    data[pos:pos + 4 + n]))
        pos += 4 + n
    return out


def lenenc(n):
    if n < 251:
        return bytes([n])
    if n < 1 << 16:
        return b'\xfc' + struct.pack('<H', n)
    if n < 1 << 24:
        return b'\xfd' + struct.pack('<I', n)[:3]
    return b'\xfe' + struct.pack('<Q', n)


def native_token(password, scramble):
    if not password:
        return b''
    h1 = hashlib.sha1(password.encode()).digest()
    h2 = hashlib.sha1(h1).digest()
    h3 = hashlib.sha1(scramble + h2).digest()
    return bytes(a ^ b for a, b in zip(h1, h3))


class Client:
    """Just enough of a MySQL client to send any command by hand."""

    def __init__(self, port):
        self.s = socket.create_connection(('127.0.0.1', port))
        self.buf = b''

    def read(self):
        while True:
            if len(self.buf) >= 4:
                n = self.buf[0] | self.buf[1] << 8 | self.buf[2] << 16
                if len(self.buf) >= 4 + n:
                    seq, p = self.buf[3], self.buf[4:4 + n]
                    self.buf = self.buf[4 + n:]
                    self.seq = seq
                    return p
            data = self.s.recv(65536)
            if not data:
                raise EOFError('server closed')
            self.buf += data

    def send(self, payload, seq):
        self.s.sendall(struct.pack('<I', len(payload))[:3] + bytes([seq])
                       + payload)

    def login(self, user, password, caps, db=None, plugin=None,
              attrs=b''):
        hs = self.read()
        ver_end = hs.index(b'\0', 1)
        self.thread_id = struct.unpack('<I', hs[ver_end + 1:ver_end + 5])[0]
        p = ver_end + 1 + 4
        s1 = hs[p:p + 8]
        p += 9
        self.server_caps = struct.unpack('<H', hs[p:p + 2])[0]
        self.server_caps |= struct.unpack('<H', hs[p + 5:p + 7])[0] << 16
        auth_len = hs[p + 7]
        p += 8 + 10
        s2 = hs[p:p + max(13, auth_len - 8) - 1]
        self.scramble = s1 + s2
        self.caps = caps | (CONNECT_WITH_DB if db else 0) \
            | (CONNECT_ATTRS if attrs else 0)
        plugin = plugin or 'mysql_native_password'
        token = native_token(password, self.scramble) \
            if plugin == 'mysql_native_password' else b'\x01' * 32
        r = struct.pack('<IIB', self.caps, 1 << 24, 45) + b'\0' * 23
        r += user.encode() + b'\0' + lenenc(len(token)) + token
        if db:
            r += db.encode() + b'\0'
        r += plugin.encode() + b'\0'
        if attrs:
            r += lenenc(len(attrs)) + attrs
        self.send(r, 1)
        answer = self.read()
        if answer[:1] == b'\xfe':
            name_end = answer.index(b'\0')
            scramble = answer[name_end + 1:].rstrip(b'\0')
            self.send(native_token(password, scramble), self.seq + 1)
            answer = self.read()
        return answer

    def command(self, payload):
        """Sends a command and reads until its response is quiet."""
        self.send(payload, 0)
        return self.drain()

    def drain(self, quiet=0.3):
        got = []
        self.s.settimeout(quiet)
        try:
            while True:
                got.append(self.read())
        except (socket.timeout, EOFError):
            pass
        self.s.settimeout(None)
        return got

    def close(self):
        try:
            self.send(bytes([COM_QUIT]), 0)
        except OSError:
            pass
        self.s.close()


def attrs(pairs):
    return b''.join(lenenc(len(k)) + k + lenenc(len(v)) + v
                    for k, v in pairs)


def execute(stmt, params, flags=0, bound=1):
    """COM_STMT_EXECUTE of <stmt> with (type, unsigned, value bytes or
    None) parameters."""
    p = bytes([COM_STMT_EXECUTE]) + struct.pack('<IBI', stmt, flags, 1)
    if params:
        nulls = bytearray((len(params) + 7) // 8)
        for i, (_, _, v) in enumerate(params):
            if v is None:
                nulls[i // 8] |= 1 << (i % 8)
        p += bytes(nulls) + bytes([bound])
        if bound:
            p += b''.join(bytes([t, 0x80 if u else 0]) for t, u, _ in params)
        p += b''.join(v for _, _, v in params if v is not None)
    return p


def lstr(b):
    return lenenc(len(b)) + b


def text_values(pk):
    """The first row of a text result set (payloads <pk>), as byte
    strings or None."""
    if not pk or pk[0][:1] in (b'\x00', b'\xff'):
        return []
    ncols = pk[0][0]
    for p in pk[1 + ncols:]:
        if p[:1] == b'\xfe' and len(p) < 9:
            continue
        vals, pos = [], 0
        for _ in range(ncols):
            if p[pos] == 0xfb:
                vals.append(None)
                pos += 1
            else:
                n = p[pos]
                vals.append(p[pos + 1:pos + 1 + n])
                pos += 1 + n
        return vals
    return []


SESSION_SETS = (
    b"SET NAMES utf8mb4 COLLATE utf8mb4_bin",
    ("SET @@session.sql_mode = 'ANSI_QUOTES', time_zone = '+02:00', "
     "@u := 42, @d = 2.5, @s = 'grüße', @n = NULL").encode(),
    b"SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")

# What the session's variables read back as: (user, type, name, SELECT).
SESSION_VARS = (
    ('sys', 'string', 'character_set_client', '@@character_set_client'),
    ('sys', 'string', 'collation_connection', '@@collation_connection'),
    ('sys', 'string', 'sql_mode', '@@sql_mode'),
    ('sys', 'string', 'time_zone', '@@time_zone'),
    ('user', 'int', 'u', '@u'), ('user', 'decimal', 'd', '@d'),
    ('user', 'string', 's', '@s'), ('user', 'null', 'n', '@n'))


def raw_sessions(port, other_id):
    """The commands and capabilities the client programs do not use; the
    descriptions of the sessions for fuzz/sexport_seed."""
    tracking = BASE_CAPS | SESSION_TRACK | DEPRECATE_EOF
    exports = []
    for caps in (tracking, BASE_CAPS):
        c = Client(port)
        att = attrs([(b'_client_name', b'capture-seeds'), (b'_pid', b'4242')])
        c.login('app', PASSWORD, caps, db='shop', attrs=att)
        c.command(bytes([COM_QUERY]) + b"SET session_track_schema = ON, "
                  b"session_track_state_change = ON, "
                  b"session_track_system_variables = "
                  b"'autocommit,sql_mode,character_set_client,time_zone'")
        for q in SESSION_SETS:
            c.command(bytes([COM_QUERY]) + q)
        desc = ['id %d' % c.thread_id, 'caps %d' % c.caps, 'status 2',
                'charset 45', 'user app', 'db shop', 'password ' + PASSWORD,
                'attrs ' + att.hex()]
        values = text_values(c.command(bytes([COM_QUERY]) + b'SELECT '
                                       + ', '.join(v[3] for v in SESSION_VARS)
                                       .encode()))
        for (kind, typ, name, _), v in zip(SESSION_VARS, values):
            cs = 'utf8mb4 utf8mb4_general_ci' if typ == 'string' else '- -'
            desc.append('var %s %s %s %s %s' % (
                kind, typ, name, cs, (v or b'').decode()))
        for q in (b"SELECT id, name, price, born, seen, took, ratio, img "
                  b"FROM t ORDER BY id",
                  b"SELECT 1; SELECT 'two', NULL; DO 3",
                  b"CALL two()",
                  b"USE shop",
                  b"BEGIN", b"INSERT INTO t (id) VALUES (10)", b"ROLLBACK",
                  b"SELECT * FROM nosuch",
                  b"SHOW WARNINGS",
                  b"KILL QUERY %d" % other_id,
                  b"KILL CONNECTION 999999",
                  b"/* target_db_server=127.0.0.1:2881 */ SELECT @u",
                  b"SELECT @@session.autocommit, @@sql_mode"):
            c.command(bytes([COM_QUERY]) + q)
        c.command(bytes([COM_INIT_DB]) + b'mysql')
        c.command(bytes([COM_INIT_DB]) + b'nosuch')
        c.command(bytes([COM_INIT_DB]) + b'shop')
        c.command(bytes([COM_FIELD_LIST]) + b't\0')
        c.command(bytes([COM_STATISTICS]))
        c.command(bytes([COM_PING]))
        c.command(bytes([COM_PROCESS_INFO]))
        c.command(bytes([COM_PROCESS_KILL]) + struct.pack('<I', 999999))
        c.command(bytes([COM_SET_OPTION]) + b'\1\0')
        c.command(bytes([COM_SET_OPTION]) + b'\0\0')
        desc += prepared_statements(c)
        desc += ['weak 1', 'idc idc2', 'begin BEGIN']
        exports.append('\n'.join(desc) + '\n')
        infile(c)
        c.command(bytes([COM_RESET_CONNECTION]))
        change_user(c)
        c.close()
    # Auth switches: a plugin the account does not use, another plugin's
    # account; and a wrong password.
    for user, plugin in (('app', 'caching_sha2_password'),
                         ('ed', 'mysql_native_password'),
                         ('app', 'mysql_old_password')):
        c = Client(port)
        try:
            c.login(user, PASSWORD, BASE_CAPS, plugin=plugin)
            c.command(bytes([COM_QUERY]) + b'SELECT CURRENT_USER()')
        except (EOFError, ValueError, OSError):
            pass
        c.close()
    c = Client(port)
    c.login('app', 'wrong', BASE_CAPS & ~LENENC_DATA)
    c.close()
    return exports


def prepare(c, text):
    """Prepares <text>: its id and parameter count."""
    ok = c.command(bytes([COM_STMT_PREPARE]) + text)
    return struct.unpack('<IHH', ok[0][1:9])[0::2]


def stmt_line(n, params, types, text):
    return 'stmt %d %d shop %s %s' % (n, len(params), types.hex() if types
                                      else '-', text.decode())


def types_of(params):
    return b''.join(bytes([t, 0x80 if u else 0]) for t, u, _ in params)


def prepared_statements(c):
    """Runs every statement command; the statements' description lines."""
    text = b'SELECT id, name FROM t WHERE id >= ? AND name <> ?'
    stmt, _ = prepare(c, text)
    first = [(8, False, struct.pack('<q', 1)), (253, False, lstr(b'zed'))]
    c.command(execute(stmt, first))
    c.command(execute(stmt, [(8, False, struct.pack('<q', 2)),
                             (253, False, lstr(b'x'))], bound=0))
    c.command(execute(stmt, [(8, False, None), (253, False, None)]))
    # a cursor, its rows fetched
    c.command(execute(stmt, [(8, False, struct.pack('<q', 0)),
                             (253, False, lstr(b''))], flags=1))
    c.command(bytes([COM_STMT_FETCH]) + struct.pack('<II', stmt, 1))
    c.command(bytes([COM_STMT_FETCH]) + struct.pack('<II', stmt, 5))
    c.send(bytes([COM_STMT_SEND_LONG_DATA]) + struct.pack('<IH', stmt, 1)
           + b'long data', 0)
    c.command(bytes([COM_STMT_RESET]) + struct.pack('<I', stmt))
    lines = [stmt_line(1, first, types_of(first), text)]
    c.send(bytes([COM_STMT_CLOSE]) + struct.pack('<I', stmt), 0)
    c.command(execute(stmt, first))
    text = b'INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
    stmt, _ = prepare(c, text)
    row = [
        (8, True, struct.pack('<Q', 20)),
        (254, False, lstr('grüße'.encode())),
        (246, False, lstr(b'-12.50')),
        (10, False, bytes([4]) + struct.pack('<HBB', 2024, 1, 31)),
        (12, False, bytes([11]) + struct.pack('<HBBBBBI', 2024, 2, 29, 23,
                                              59, 58, 500000)),
        (11, False, bytes([12, 1]) + struct.pack('<IBBBI', 2, 3, 4, 5, 6)),
        (5, False, struct.pack('<d', -0.125)),
        (252, False, lstr(b'\0\1\2'))]
    c.command(execute(stmt, row))
    lines.append(stmt_line(2, row, types_of(row), text))
    c.command(execute(stmt, [
        (1, False, b'\x15'), (2, False, struct.pack('<h', -7)),
        (3, False, struct.pack('<i', 70000)),
        (4, False, struct.pack('<f', 2.5)),
        (7, False, bytes([7]) + struct.pack('<HBBBBB', 2023, 7, 1, 0, 0, 1)),
        (11, False, bytes([0])), (13, False, lstr(b'2024')),
        (9, False, lstr(b'9'))]))
    text = b'SELECT ?, ?, ?'
    stmt, _ = prepare(c, text)
    odd = [(15, False, lstr(b'v')), (16, False, lstr(b'\1')),
           (245, False, lstr(b'{"a": 1}'))]
    c.command(execute(stmt, odd))
    lines.append(stmt_line(3, odd, None, text))
    c.command(execute(0xffffffff, [(15, False, lstr(b'last')),
                                   (6, False, None), (8, False, None)]))
    c.command(execute(999, []))
    c.command(bytes([COM_STMT_PREPARE]) + b'SELEC nothing')
    return lines


def infile(c):
    path = os.path.join(tempfile.gettempdir(), 'capture-seeds-infile.txt')
    with open(path, 'w') as f:
        f.write('30\tinfile\n31\tlines\n')
    c.send(bytes([COM_QUERY]) + b"LOAD DATA LOCAL INFILE '" + path.encode()
           + b"' INTO TABLE t (id, name)", 0)
    c.read()
    with open(path, 'rb') as f:
        c.send(f.read(), 2)
    c.send(b'', 3)
    c.drain()
    os.unlink(path)


def change_user(c):
    caps = c.caps
    token = native_token(PASSWORD, c.scramble)
    c.command(bytes([COM_CHANGE_USER]) + b'app\0' + bytes([len(token)])
              + token + b'shop\0' + struct.pack('<H', 33)
              + b'mysql_native_password\0'
              + lstr(attrs([(b'_client_name', b'capture-seeds')])))
    c.caps = caps


def cli(relay, *args, sql=None, compress=False, ssl=False, user='app',
        password=PASSWORD, program='mariadb'):
    cmd = [program, '--no-defaults', '-h127.0.0.1', '-P%d' % relay.port,
           '-u' + user, '--password=' + password,
           '--ssl' if ssl else '--skip-ssl']
    if compress:
        cmd.append('--compress')
    if program == 'mariadb':
        cmd += ['--local-infile=1', '--default-character-set=utf8mb4']
    cmd += list(args)
    if sql is not None:
        cmd += ['-e', sql]
    run(cmd)


CLI_SQL = [
    "SELECT * FROM shop.t",
    "SET NAMES latin1; SET @@session.sql_mode = 'STRICT_ALL_TABLES'; "
    "SET @a = 'x', @b := 2.5; SELECT @a, @b",
    "SET ob_read_consistency = 'weak', proxy_route_policy = "
    "FOLLOWER_FIRST; SELECT 1",
    "SET @@proxy_session_ldc = 'idc2'",
    "SET SESSION TRANSACTION READ ONLY; SET GLOBAL max_connections = 100",
    "KILL QUERY 999999",
    "SELECT 1 INTO @x; CALL shop.two()",
]

PERL_PREPARED = r"""
use DBI;
my ($port, $pw) = @ARGV;
my $dbh = DBI->connect("DBI:MariaDB:database=shop;host=127.0.0.1;"
    . "port=$port;mariadb_server_prepare=1", 'app', $pw,
    { RaiseError => 0, PrintError => 0 });
my $sth = $dbh->prepare('SELECT name, price FROM t WHERE id = ? OR name = ?');
$sth->execute(1, 'anna'); $sth->fetchall_arrayref;
$sth->execute(3, undef); $sth->fetchall_arrayref;
$sth = $dbh->prepare('SELECT ? + 1, ?, ?');
$sth->execute(2.5, 'text', -9); $sth->fetchall_arrayref;
$sth = $dbh->prepare('UPDATE t SET seen = ? WHERE id = ?');
$sth->execute('2024-03-01 12:00:00', 1);
$dbh->do('SET @@session.autocommit = 0');
$dbh->disconnect;
"""

PYMYSQL = r"""
import sys, pymysql
c = pymysql.connect(host='127.0.0.1', port=int(sys.argv[1]), user='app',
                    password=sys.argv[2], database='shop',
                    client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)
cur = c.cursor()
cur.execute("SELECT id, born FROM t WHERE id IN (%s, %s)", (1, 3))
cur.fetchall()
cur.execute("SET autocommit = 0; SELECT 2")
c.close()
"""

MYSQLDB = r"""
import sys, MySQLdb
c = MySQLdb.connect(host='127.0.0.1', port=int(sys.argv[1]), user='app',
                    passwd=sys.argv[2], db='shop')
c.query('SELECT 1')
c.store_result()
c.change_user('app', sys.argv[2], 'mysql')
c.query('SELECT DATABASE()')
c.store_result()
c.close()
"""


def record(server, relay):
    """Every client session, as [(direction, bytes)] lists, and the
    descriptions of sessions to export."""
    other = Client(server.port)
    other.login('app', PASSWORD, BASE_CAPS)
    exports = raw_sessions(relay.port, other.thread_id)
    other.close()
    for sql in CLI_SQL:
        cli(relay, 'shop', sql=sql)
    cli(relay, 'shop', sql="SELECT * FROM t; SHOW TABLES", compress=True)
    cli(relay, 'shop', sql="SELECT REPEAT('compressible ', 40) AS r",
        compress=True)
    cli(relay, sql="SELECT 1", ssl=True)
    for name in ('root@sys#obcluster:1', 'obcluster:sys:root',
                 'app@t1', 'obcluster-sys-app-7', 'app@t1#c1',
                 'a.b.c.d.e'):
        cli(relay, sql="SELECT 1", user=name)
    for verb in ('status', 'processlist', 'ping', 'version', 'kill 999999'):
        cli(relay, *verb.split(), program='mariadb-admin')
    run(['perl', '-e', PERL_PREPARED, str(relay.port), PASSWORD])
    run(['/usr/bin/python3', '-c', PYMYSQL, str(relay.port), PASSWORD])
    run(['/usr/bin/python3', '-c', MYSQLDB, str(relay.port), PASSWORD])
    return relay.take(), exports


class Seeds:
    """Each target's seeds, named by their contents.  Captures repeat
    themselves (every login has a handshake), so only a few of each
    group are kept, of lengths spread over the group's: a group is the
    selector bytes, and for handshake responses the capabilities too."""

    def __init__(self, root):
        self.root = root
        self.groups = {}

    def add(self, target, data, limit=MAX_SEED):
        if len(data) > limit:
            return
        key = (target, group_of(target, data))
        self.groups.setdefault(key, set()).add(data)

    def write(self):
        for (target, group), found in sorted(self.groups.items()):
            d = os.path.join(self.root, target)
            os.makedirs(d, exist_ok=True)
            for data in spread(sorted(found, key=lambda x: (len(x), x)),
                               keep_of(target, group)):
                with open(os.path.join(d, hashlib.sha1(data).hexdigest()
                                       [:16]), 'wb') as f:
                    f.write(data)


def group_of(target, data):
    if target == 'packet' and data[0] == P_RESPONSE:
        return data[:5]
    if target == 'session' and data[0] == S_RESPONSE:
        return data[:3]
    return data[:1]


def keep_of(target, group):
    if target == 'packet':
        return {P_HANDSHAKE: 2, P_RESPONSE: 1, P_CHUSER: 3,
                P_LOGIN: 8}.get(group[0], 5)
    if target == 'session':
        return {S_RESPONSE: 1, S_QUERY: 16, S_ADMIN: 24}.get(group[0], 4)
    return 32


def spread(items, n):
    """At most <n> of <items>, evenly spaced (the first and the last)."""
    if len(items) <= n:
        return items
    if n == 1:
        return [items[len(items) // 2]]
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


def streams(events):
    c = b''.join(d for t, d in events if t == 'c')
    s = b''.join(d for t, d in events if t == 's')
    return c, s


def commands(events, login_end_c, login_end_s):
    """(command payload, server bytes of its response) of the command
    phase of an uncompressed session: the server bytes between one client
    command and the next."""
    out, cbuf, sbuf, cur = [], b'', b'', None
    cpos, spos = 0, 0
    for tag, data in events:
        if tag == 'c':
            start = max(0, login_end_c - cpos)
            cpos += len(data)
            chunk = data[start:]
            if not chunk:
                continue
            cbuf += chunk
            for seq, payload, raw in packets(cbuf):
                cbuf = cbuf[len(raw):]
                if seq == 0 and payload:
                    if cur is not None:
                        out.append(cur)
                    cur = [payload, b'']
        else:
            start = max(0, login_end_s - spos)
            spos += len(data)
            if cur is not None:
                cur[1] += data[start:]
    if cur is not None:
        out.append(cur)
    return out


def login_phase(c, s):
    """The login packets either way and where the command phase starts."""
    cps, sps = packets(c), packets(s)
    hs = sps[0][1] if sps else b''
    resp = cps[0][1] if cps else b''
    caps = struct.unpack('<I', resp[:4])[0] if len(resp) >= 4 else 0
    # the server's login answer: the last OK or ERR of the login, or the
    # auth switch and the OK after it
    cend = send = 0
    pos = 0
    for seq, payload, raw in sps:
        pos += len(raw)
        if payload[:1] in (b'\x00', b'\xff'):
            send = pos
            break
    nclient = 2 if any(p[:1] == b'\xfe' and len(p) > 9 for _, p, _ in
                       sps[1:3]) else 1
    cend = sum(len(raw) for _, _, raw in cps[:nclient])
    return hs, resp, caps, cend, send


def cut_packet_seeds(seeds, conns):
    for events in conns:
        c, s = streams(events)
        hs, resp, caps, cend, send = login_phase(c, s)
        if hs:
            seeds.add('packet', bytes([P_HANDSHAKE]) + hs)
        if resp:
            seeds.add('packet', bytes([P_RESPONSE]) + resp)
            user = resp[32:].split(b'\0', 1)[0]
            if len(resp) > 32 and user:
                seeds.add('packet', bytes([P_LOGIN]) + b':;-;.\n' + user)
        if caps & SSL:
            continue        # TLS from here on
        for _, p, _ in packets(s[:send])[1:]:
            answer_seed(seeds, p)
        if caps & COMPRESS:
            continue
        for cmd, answer in commands(events, cend, send):
            if cmd[0] == COM_CHANGE_USER:
                seeds.add('packet', bytes([P_CHUSER]) + cmd)
                for _, p, _ in packets(answer):
                    answer_seed(seeds, p)
            elif cmd[0] == COM_QUERY:
                result_seeds(seeds, caps, answer)


def answer_seed(seeds, p):
    """An OK, ERR, EOF or auth switch."""
    kind = {0x00: P_OK, 0xff: P_ERR}.get(p[0]) if p else None
    if p[:1] == b'\xfe':
        kind = P_EOF if len(p) < 9 else P_SWITCH
    if kind is not None:
        seeds.add('packet', bytes([kind]) + p)


def result_seeds(seeds, caps, answer):
    """The OK, ERR and EOF packets and the rows of a text response."""
    pk = [p for _, p, _ in packets(answer)]
    i = 0
    while i < len(pk):
        if pk[i][:1] in (b'\x00', b'\xff', b'\xfe'):
            answer_seed(seeds, pk[i])
            i += 1
            continue
        if pk[i][:1] == b'\xfb':
            break       # LOCAL INFILE
        ncols = pk[i][0]
        i += 1 + ncols
        if not caps & DEPRECATE_EOF:
            answer_seed(seeds, pk[i])
            i += 1
        while i < len(pk) and pk[i][:1] not in (b'\xfe', b'\xff'):
            seeds.add('packet', bytes([P_ROW, ncols]) + pk[i])
            i += 1


def execute_seeds(seeds, conns):
    """COM_STMT_EXECUTE packets, behind their parameter count and the
    types the statement's last execute sent."""
    for events in conns:
        c, s = streams(events)
        _, _, caps, cend, send = login_phase(c, s)
        if caps & (COMPRESS | SSL):
            continue
        params, types = {}, {}
        for cmd, answer in commands(events, cend, send):
            ok = packets(answer)
            if cmd[0] == COM_STMT_PREPARE and ok and ok[0][1][:1] == b'\0':
                sid, _, np = struct.unpack('<IHH', ok[0][1][1:9])
                params[sid] = np
            elif cmd[0] == COM_STMT_EXECUTE and len(cmd) >= 10:
                sid = struct.unpack('<I', cmd[1:5])[0]
                n = params.get(sid, 0)
                at = 10 + (n + 7) // 8
                if n and len(cmd) > at and cmd[at] == 1:
                    types[sid] = cmd[at + 1:at + 1 + 2 * n]
                head = bytes([P_EXECUTE]) + struct.pack('<H', n)
                if n and sid in types:
                    seeds.add('packet', head + b'\1' + types[sid] + cmd)
                else:
                    seeds.add('packet', head + b'\0' + cmd)


def record_of(kind, payload=b''):
    return bytes([kind]) + struct.pack('<H', len(payload)) + payload


def session_seeds(seeds, conns):
    for events in conns:
        c, s = streams(events)
        _, _, caps, cend, send = login_phase(c, s)
        if caps & SSL:
            continue
        if caps & COMPRESS:
            # the compressed phase, either way, as the proxy reads it
            seeds.add('session', bytes([S_UNZIP, 0]) + s[send:][:MAX_SEED])
            seeds.add('session', bytes([S_UNZIP, 7]) + c[cend:][:MAX_SEED])
            continue
        flags = (1 if caps & DEPRECATE_EOF else 0) \
            | (2 if caps & SESSION_TRACK else 0)
        records, moved = [], False
        for cmd, answer in commands(events, cend, send):
            if answer:
                seeds.add('session', bytes([S_RESPONSE, flags, cmd[0],
                                            len(answer) % 7]) + answer)
            if cmd[0] == COM_QUERY:
                seeds.add('session', bytes([S_QUERY, 0x1]) + cmd[1:])
            elif cmd[0] == COM_PROCESS_KILL:
                seeds.add('session', bytes([S_QUERY, 0x8]) + cmd[1:])
            if not COM_STMT_PREPARE <= cmd[0] <= COM_STMT_FETCH:
                continue
            records.append(record_of(STMT_CLIENT, cmd))
            ok = packets(answer)
            if cmd[0] == COM_STMT_PREPARE and ok and ok[0][1][:1] == b'\0':
                records.append(record_of(STMT_PREPARED, ok[0][1]))
        if records:
            seeds.add('session', bytes([S_STMTS]) + b''.join(records))
            # the same executes on a second server session: the types are
            # sent there again
            at = next((i for i, r in enumerate(records)
                       if r[3] == COM_STMT_EXECUTE), None)
            if at is not None:
                records.insert(at, bytes([STMT_MOVE, 0xff]))
                seeds.add('session', bytes([S_STMTS]) + b''.join(records))
        seeds.add('session', bytes([S_ZIP, 6]) + c[cend:][:MAX_SEED])


# What an admin types (README, Admin SQL): the session target's admin
# mode reads each as a root's (flags 0) or an inspector's (1) statement.
ADMIN_STATEMENTS = (
    b"SHOW PROXYCONFIG LIKE 'listen%'", b"show proxyconfig all",
    b"SHOW PROXYCONFIG DIFF USER LIKE '%_time%'",
    b"ALTER PROXYCONFIG SET client_max_connections = -3",
    b"alter proxyconfig set obproxy_sys_password = 'it''s'",
    b"SHOW PROXYSESSION", b"SHOW PROXYSESSION ATTRIBUTE 7 LIKE 'server%'",
    b"SHOW PROXYSESSION VARIABLES ALL 2 LIKE '%'",
    b"SHOW PROXYSESSION STAT", b"SHOW PROCESSLIST",
    b"KILL PROXYSESSION 12 34", b"KILL QUERY 5", b"kill /* c */ 9",
    b"SHOW PROXYSTAT REFRESH LIKE 'route%'", b"SHOW PROXYINFO BINARY",
    b"SHOW PROXYINFO IDC", b"SHOW PROXYCONGESTION ALL",
    b"SHOW PROXYROUTE PARTITION", b"SHOW PROXYNET CONNECTION 0 LIMIT 2, 3",
    b"SHOW PROXYNET THREAD", b"SHOW PROXYCLUSTER IDC LIKE 'c%'",
    b"SHOW WARNLOG 1, 2, WARN", b"SHOW PROXYTRACE 1 2",
    b"SELECT PROXY_VERSION() AS v", b"select @@version_comment limit 1",
    b"SELECT DATABASE(), USER() LIMIT 1", b"PING PROXY; SELECT 1",
    b"REPLACE INTO white_list (cluster_name, tenant_name, name, value) "
    b"VALUES ('c', 't', 'ip_list', '10.0.0.0/8,::1')",
    b"DELETE FROM proxy_config WHERE cluster_name = 'c' AND "
    b"tenant_name = '' AND name = 'proxy_idc_name'",
    b"SELECT * FROM ssl_config WHERE tenant_name = 't'",
    b"SET NAMES utf8mb4", b"SHOW DATABASES",
)


def admin_seeds(seeds):
    for i, text in enumerate(ADMIN_STATEMENTS):
        seeds.add('session', bytes([S_ADMIN, i % 2]) + text)
    seeds.add('session', bytes([S_ADMIN, 0x8, COM_STMT_PREPARE]) + b'SELECT 1')
    seeds.add('session', bytes([S_ADMIN, 0x8, COM_PROCESS_KILL, 9, 0, 0, 0]))


def export_seeds(seeds, exports, tool):
    """Sessions as a hot upgrade writes them, described from captured
    sessions (raw_sessions)."""
    if not os.access(tool, os.X_OK):
        sys.exit(tool + ' missing: make -C BUILD/t fuzz/sexport_seed')
    for desc in exports:
        for extra in ('', 'tenant t1\ncluster c1\npolicy FOLLOWER_FIRST\n'):
            out = subprocess.run([tool], input=(desc + extra).encode(),
                                 stdout=subprocess.PIPE, check=True)
            seeds.add('session', bytes([S_EXPORT]) + out.stdout)


def ctl_seeds(seeds, ctl_bin):
    """obproxyctl's request lines, read from a control socket that
    answers "ok"."""
    tmp = tempfile.mkdtemp(prefix='capture-ctl-')
    path = os.path.join(tmp, 'obproxy.sock')
    lsock = socket.socket(socket.AF_UNIX)
    lsock.bind(path)
    lsock.listen(4)
    lines = []

    def serve():
        while True:
            c, _ = lsock.accept()
            data = b''
            while not data.endswith(b'\n'):
                got = c.recv(8192)
                if not got:
                    break
                data += got
            lines.append(data)
            c.sendall(b'name: x\nok\n')
            c.close()

    threading.Thread(target=serve, daemon=True).start()
    long_list = ';'.join('10.0.%d.%d:2881' % (i // 200, i % 200 + 1)
                         for i in range(290))
    for args in (['status'], ['workers'], ['stats'], ['help'],
                 ['reopen-logs'], ['reload'], ['rollback'], ['commit'],
                 ['upgrade'], ['upgrade', '/usr/sbin/obproxy'],
                 ['config', 'get', 'syslog_level'],
                 ['config', 'set', 'syslog_level', 'DEBUG'],
                 ['config', 'set', 'client_max_connections', '8192'],
                 ['config', 'set', 'proxy_route_policy', 'FOLLOWER_FIRST'],
                 ['config', 'set', 'rootservice_list', long_list],
                 ['config', 'set', 'listen_port', '2999'],
                 ['stop', '--fast'], ['stop', '--graceful'],
                 ['frobnicate', 'now']):
        run([ctl_bin, '-s', path, '-t', '2', '-w', '1'] + args)
    lsock.close()
    shutil.rmtree(tmp)
    for n, line in enumerate(lines):
        # one connection, or the line cut in two writes (ctl_fuzz.c)
        seeds.add('ctl', bytes([0, 0]) + line, limit=8192)
        if n % 3 == 0:
            seeds.add('ctl', bytes([0, 0x80]) + line, limit=8192)
    seeds.add('ctl', bytes([2, 0]) + b''.join(lines[:3]))
    # longer than the socket takes: obproxyctl refuses to send it, any
    # other client may
    seeds.add('ctl', bytes([0, 0x40]) + b'config set rootservice_list '
              + (long_list + ';' + long_list[:600]).encode() + b'\n',
              limit=8192)


def conf_seeds(root, etc):
    """The configuration files of etc/, behind their format's byte."""
    d = os.path.join(root, 'conf')
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name in sorted(os.listdir(etc)):
        with open(os.path.join(etc, name), 'rb') as f:
            text = f.read()
        with open(os.path.join(d, name), 'wb') as f:
            f.write(bytes([1 if name.endswith('.ini') else 0]) + text)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = os.path.abspath(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, 'corpus')
    for target in ('packet', 'session', 'ctl'):
        shutil.rmtree(os.path.join(root, target), ignore_errors=True)
    tmp = tempfile.mkdtemp(prefix='capture-seeds-')
    server = Server(tmp)
    try:
        server.setup()
        relay = Relay(server.port)
        conns, exports = record(server, relay)
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    seeds = Seeds(root)
    cut_packet_seeds(seeds, conns)
    execute_seeds(seeds, conns)
    session_seeds(seeds, conns)
    admin_seeds(seeds)
    export_seeds(seeds, exports, os.path.join(build, 't/fuzz/sexport_seed'))
    ctl_seeds(seeds, os.path.join(build, 'master/obproxyctl'))
    seeds.write()
    conf_seeds(root, os.path.join(here, '..', '..', 'etc'))
    for target in ('packet', 'session', 'ctl'):
        print(target, len(os.listdir(os.path.join(root, target))), 'seeds')


if __name__ == '__main__':
    main()
