#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# From outside, with curl: webrtc-camera-configure --add-user and
# --self-signed, then the real server on HTTPS with a user: no plain HTTP,
# no page without the password, a certificate valid for this host's names.
#   security-cli-test.sh BUILT_WEBRTC_CAMERA
set -u
bin="$1"
source_dir="${WCAM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
configure="$source_dir/tools/webrtc-camera-configure"
tmp=$(mktemp -d /tmp/wcam-security.XXXXXX)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# --- users --------------------------------------------------------------
users="$tmp/users"
echo "correct horse" | "$configure" --binary "$bin" --users-file "$users" --add-user alice >"$tmp/add.log" 2>&1 &&
	pass "--add-user alice" || { fail "--add-user failed"; cat "$tmp/add.log"; }
grep -q '^alice:\$y\$' "$users" && pass "a yescrypt hash is stored" || fail "no alice:\$y\$ line in: $(cat "$users")"
grep -q "correct horse" "$users" && fail "the password is in the file"
mode=$(stat -c %a "$users")
[ "${mode: -1}" = 0 ] && pass "users file not world-readable ($mode)" || fail "users file mode $mode"
before=$(grep '^alice:' "$users")
echo "battery staple" | "$configure" --binary "$bin" --users-file "$users" --add-user alice >"$tmp/add2.log" 2>&1 ||
	fail "changing alice's password failed: $(cat "$tmp/add2.log")"
[ "$(grep -c '^alice:' "$users")" = 1 ] && [ "$(grep '^alice:' "$users")" != "$before" ] &&
	pass "--add-user on an existing user changes its password" || fail "alice's line: $(grep '^alice:' "$users")"
echo "short" | "$configure" --binary "$bin" --users-file "$users" --add-user bob >"$tmp/short.log" 2>&1 &&
	fail "a 5-character password was accepted"
grep -q "fewer than 8 characters" "$tmp/short.log" && pass "a short password is refused" || fail "short: $(cat "$tmp/short.log")"
echo "long enough" | "$configure" --binary "$bin" --users-file "$users" --add-user "bob smith" >"$tmp/name.log" 2>&1 &&
	fail "a name with a space was accepted"
grep -q '^bob' "$users" && fail "a refused user was written"

# --- a fresh install: no [security] at all, bind = 0.0.0.0 ------------------
lan=$(ip -4 -o addr show scope global 2>/dev/null | awk '{ sub("/.*", "", $4); print $4; exit }')
default_users=$("$bin" --check-config --config /dev/null 2>/dev/null | sed -n 's/^security: no user in \(.*\): listening on loopback only.*/\1/p')
fresh_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '[camera]\nsource = test\n[encoding]\nencoder = x264\n[network]\nbind = 0.0.0.0\nport = %s\n' "$fresh_port" >"$tmp/fresh-install.ini"
if [ -z "$default_users" ]; then
	fail "--check-config with built-in defaults does not say it stays on loopback"
else
	"$bin" --config "$tmp/fresh-install.ini" >"$tmp/fresh.log" 2>&1 &
	fresh=$!
	for _ in $(seq 100); do curl -sf "http://127.0.0.1:$fresh_port/health" >/dev/null && break; sleep 0.2; done
	curl -sf "http://127.0.0.1:$fresh_port/health" >/dev/null && pass "fresh install: answers on loopback" ||
		fail "fresh install: no answer on loopback"
	if [ -n "$lan" ]; then
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$lan:$fresh_port/health")
		[ "$code" = 000 ] && pass "fresh install: nothing on $lan (no user in $default_users)" ||
			fail "fresh install answers on $lan: $code"
	else
		echo "note: no global IPv4 address here; only the loopback side checked"
	fi
	grep -q "no user in $default_users: listening on 127.0.0.1 only" "$tmp/fresh.log" &&
		pass "fresh install: the log says why" || fail "fresh log: $(cat "$tmp/fresh.log")"
	kill $fresh; wait $fresh 2>/dev/null
fi

# --- certificate ---------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
config="$tmp/config.ini"
cat >"$config" <<INI
# mine
[camera]
source = test
width = 640
height = 480
fps = 15
[encoding]
encoder = x264
[network]
bind = 127.0.0.1
port = $port
ice_addresses = 127.0.0.1
[security]
users_file = $users
INI
"$configure" --binary "$bin" --self-signed --tls-dir "$tmp" --output "$config" >"$tmp/tls.log" 2>&1 &&
	pass "--self-signed" || { fail "--self-signed failed"; cat "$tmp/tls.log"; }
grep -q "^tls_certificate = $tmp/tls.crt$" "$config" && grep -q "^tls_key = $tmp/tls.key$" "$config" &&
	grep -q "^users_file = $users$" "$config" && grep -q "^# mine$" "$config" &&
	pass "config.ini points at the certificate, the rest kept" || fail "config: $(cat "$config")"
kmode=$(stat -c %a "$tmp/tls.key")
[ "${kmode: -1}" = 0 ] && pass "key not world-readable ($kmode)" || fail "key mode $kmode"
san=$(openssl x509 -in "$tmp/tls.crt" -noout -ext subjectAltName 2>&1)
for name in "DNS:$(hostname)" "DNS:localhost" "IP Address:127.0.0.1"; do
	grep -q "$name" <<<"$san" && pass "certificate names $name" || fail "no $name in: $san"
done

out=$("$bin" --check-config --config "$config" 2>&1)
grep -q "^security: 1 user(s), 0 WHEP token(s), 0 allowed origin(s), HTTPS$" <<<"$out" &&
	pass "--check-config sums up the security" || fail "--check-config: $out"
printf '[camera]\nsource = test\n[security]\nusers_file = %s/nobody\n' "$tmp" >"$tmp/fresh.ini"
"$bin" --check-config --config "$tmp/fresh.ini" 2>&1 | grep -q "^security: no user in $tmp/nobody: listening on loopback only" &&
	pass "--check-config says a camera without users stays on loopback" || fail "fresh: $("$bin" --check-config --config "$tmp/fresh.ini" 2>&1)"

# --- the server, from outside ------------------------------------------
"$bin" --config "$config" >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
	curl -sfk "https://127.0.0.1:$port/health" >/dev/null && break
	sleep 0.2
done
curl -sf --cacert "$tmp/tls.crt" "https://localhost:$port/health" >/dev/null &&
	pass "HTTPS with the certificate verified for localhost" || { fail "https health"; cat "$tmp/server.log"; }
grep -q "serving https://127.0.0.1:$port/" "$tmp/server.log" && pass "the log says https" || fail "log: $(grep serving "$tmp/server.log")"

plain=$(curl -s -w ' %{http_code}' --max-time 5 "http://127.0.0.1:$port/health")
[ "$plain" = "this camera speaks HTTPS only: use https:// (and wss://)
 400" ] && pass "plain HTTP on the port: 400, use https://" || fail "plain HTTP answered: $plain"
# Raw bytes that are neither TLS nor HTTP: closed without a word.
raw=$(printf '\x00\x01garbage' | timeout 5 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
s.settimeout(4)
try:
    print(len(s.recv(100)))
except ConnectionResetError:
    print(0)' "$port" 2>&1)
[ "$raw" = 0 ] && pass "garbage on the port is closed" || fail "garbage got: $raw"
code=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/")
[ "$code" = 401 ] && pass "no credentials: 401" || fail "no credentials: $code"
curl -sk -D - -o /dev/null "https://127.0.0.1:$port/stats" | grep -qi '^WWW-Authenticate: Basic' &&
	pass "401 says WWW-Authenticate: Basic" || fail "no WWW-Authenticate on /stats"
code=$(curl -sk -o /dev/null -w '%{http_code}' -u alice:wrongpassword "https://127.0.0.1:$port/")
[ "$code" = 401 ] && pass "wrong password: 401" || fail "wrong password: $code"
code=$(curl -sk -o /dev/null -w '%{http_code}' -u "alice:battery staple" "https://127.0.0.1:$port/")
[ "$code" = 200 ] && pass "the right password: 200" || fail "right password: $code"
code=$(curl -sk -o /dev/null -w '%{http_code}' -u "alice:correct horse" "https://127.0.0.1:$port/")
[ "$code" = 401 ] && pass "the old password no longer works" || fail "old password: $code"
grep -q "login failed from 127.0.0.1" "$tmp/server.log" && pass "failed logins are logged with the address" ||
	fail "no failed-login line in the log"
ws() { # ws ORIGIN [CURL ARGS...]: the status line of a wss upgrade
	local origin="$1"; shift
	curl -sk -i -N --http1.1 --max-time 3 "$@" -H "Origin: $origin" -H "Connection: Upgrade" -H "Upgrade: websocket" \
		-H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" -H "Sec-WebSocket-Version: 13" \
		"https://127.0.0.1:$port/ws" 2>/dev/null | head -1 | tr -d '\r'
}
status=$(ws "https://127.0.0.1:$port" -u "alice:battery staple")
[[ "$status" == "HTTP/1.1 101"* ]] && pass "wss upgrade with the password" || fail "wss upgrade: $status"
status=$(ws "https://127.0.0.1:$port")
[[ "$status" == "HTTP/1.1 401"* ]] && pass "wss upgrade without it: 401" || fail "wss without password: $status"
status=$(ws "https://evil.example" -u "alice:battery staple")
[[ "$status" == "HTTP/1.1 403"* ]] && pass "wss from another site's page: 403" || fail "wss from evil: $status"

# webrtc-camera-status sees HTTPS and the login, and still reports the stream.
"$source_dir/tools/webrtc-camera-status" --config "$config" --binary "$bin" --lines 0 >"$tmp/status.log" 2>&1
grep -Eq "ok\] security +1 user\(s\) in $users, HTTPS" "$tmp/status.log" && pass "status reports the users and HTTPS" ||
	fail "status security line: $(grep security "$tmp/status.log")"
grep -Eq "ok\] stream +ok: frames are flowing \(/stats needs a login" "$tmp/status.log" &&
	pass "status reports the stream through /health" || fail "status stream line: $(grep -E 'stream|stats' "$tmp/status.log")"

# Re-running the wizard must not drop the users or the certificate.
"$configure" --non-interactive --binary "$bin" --output "$config" --force --source test --port "$port" \
	>"$tmp/wizard.log" 2>&1 || { fail "the wizard failed"; cat "$tmp/wizard.log"; }
grep -q "^tls_key = $tmp/tls.key$" "$config" && grep -q "^users_file = $users$" "$config" &&
	pass "re-running the wizard keeps [security]" || fail "[security] lost: $(cat "$config")"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "security cli: all checks passed"
