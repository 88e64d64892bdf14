/* SPDX-License-Identifier: MIT */
/*
 * [security] and [network] upnp: every key validated, errors naming the
 * file and key (or the users_file line), and the secure defaults.
 */
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <crypt.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "config/ConfigLoader.h"
#include "config/ConfigTestSupport.h"
#include "core/PasswordHash.h"
#include "pipeline/DtlsIdentity.h"
#include "support/TestSupport.h"

using namespace wcam;
using test::allErrors;
using test::requireConfig;
using test::TempDir;

namespace {

/* Exactly one error, returned whole. */
std::string singleError(const std::string &text)
{
	ConfigResult result = parseConfig(text, test::kConfigOrigin);
	INFO("config:\n" << text << "\nerrors:" << allErrors(result));
	CHECK_FALSE(result.config.has_value());
	REQUIRE(result.errors.size() == 1);
	return result.errors[0];
}

std::string sha512Hash(const std::string &password)
{
	struct crypt_data data = {};
	const char *hash = crypt_r(password.c_str(), "$6$saltsaltsalt$", &data);
	REQUIRE(hash);
	REQUIRE(hash[0] == '$');
	return hash;
}

std::string newHash(const std::string &password)
{
	std::string error;
	std::string hash = hashPassword(password, error);
	INFO(error);
	REQUIRE(!hash.empty());
	return hash;
}

} /* namespace */

TEST_CASE("security defaults: loopback until a user exists", "[config][security]")
{
	Config defaults;
	CHECK(defaults.security.usersFile == WCAM_SYSCONFDIR "/users");
	CHECK(defaults.security.users.empty());
	CHECK_FALSE(defaults.security.authentication());
	CHECK(defaults.security.loopbackOnly());
	CHECK_FALSE(defaults.security.tls());
	CHECK(defaults.security.allowedOrigins.empty());
	CHECK(defaults.security.whepTokens.empty());
	CHECK_FALSE(defaults.network.upnp);

	TempDir dir;
	SECTION("a users_file that does not exist yet is no error: nobody can log in")
	{
		Config config = requireConfig(parseConfig("[security]\nusers_file = " + dir.path() + "/users\n", test::kConfigOrigin));
		CHECK(config.security.users.empty());
		CHECK(config.security.loopbackOnly());
	}
	SECTION("an empty users_file value opens the camera explicitly")
	{
		Config config = requireConfig(parseConfig("[security]\nusers_file =\n", test::kConfigOrigin));
		CHECK_FALSE(config.security.loopbackOnly());
		CHECK_FALSE(config.security.authentication());
	}
	SECTION("upnp is a boolean")
	{
		CHECK(requireConfig(parseConfig("[network]\nupnp = yes\n", test::kConfigOrigin)).network.upnp);
		CHECK(singleError("[network]\nupnp = maybe\n") ==
		      test::kConfigOrigin + ":network.upnp: \"maybe\" is not a boolean; expected true/false, yes/no, on/off or 1/0");
	}
}

TEST_CASE("users_file holds name:hash lines and nothing else", "[config][security]")
{
	TempDir dir;
	const std::string yescrypt = newHash("correct horse");
	CHECK(yescrypt.rfind("$y$", 0) == 0);
	const std::string sha512 = sha512Hash("battery staple");

	SECTION("yescrypt and $6$ hashes, comments and blank lines")
	{
		std::string users = dir.write("users", "# webrtc-camera users\n\nalice:" + yescrypt +
								"\nbob@home:" + sha512 + "\n");
		Config config = requireConfig(parseConfig("[security]\nusers_file = " + users + "\n", test::kConfigOrigin));
		REQUIRE(config.security.users.size() == 2);
		CHECK(config.security.users[0].name == "alice");
		CHECK(config.security.users[0].hash == yescrypt);
		CHECK(config.security.users[1].name == "bob@home");
		CHECK(config.security.authentication());
		CHECK_FALSE(config.security.loopbackOnly());
		CHECK(verifyPassword("correct horse", config.security.users[0].hash));
		CHECK(verifyPassword("battery staple", config.security.users[1].hash));
		CHECK_FALSE(verifyPassword("battery stapler", config.security.users[1].hash));
	}

	struct Case {
		std::string line;
		std::string expected; /* after "<users>:2: " */
	};
	const std::vector<Case> cases = {
		{ "carol:hunter2", "the hash of user \"carol\" is not a crypt(3) hash (it must start with $y$ or $6$; "
				   "a password never goes in this file)" },
		{ "carol", "no \"name:hash\" on this line; add users with webrtc-camera-configure --add-user NAME" },
		{ "carol:$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
		  "the hash of user \"carol\" uses a weak or disabled hash method; make a new one with "
		  "webrtc-camera-configure --add-user" },
		{ "carol:" + yescrypt.substr(0, yescrypt.size() - 5),
		  "the hash of user \"carol\" is not a complete crypt(3) hash" },
		{ "carol:$zz$abc", "the hash of user \"carol\" is not a hash libxcrypt understands" },
		{ "ca rol:" + yescrypt, "user name \"ca rol\" is not 1 to 64 of A-Z a-z 0-9 - . _ @" },
		{ ":" + yescrypt, "user name \"\" is not 1 to 64 of A-Z a-z 0-9 - . _ @" },
		{ "alice:" + sha512, "user \"alice\" is listed twice" },
	};
	for (const Case &c : cases) {
		std::string users = dir.write("users", "alice:" + yescrypt + "\n" + c.line + "\n");
		INFO(c.line);
		CHECK(singleError("[security]\nusers_file = " + users + "\n") == users + ":2: " + c.expected);
	}

	SECTION("the path must be absolute and readable")
	{
		CHECK(singleError("[security]\nusers_file = users\n") ==
		      test::kConfigOrigin + ":security.users_file: \"users\" is not an absolute path; expected the absolute "
				"path of a file of name:hash lines, or empty");
		CHECK(singleError("[security]\nusers_file = " + dir.path() + "\n") ==
		      test::kConfigOrigin + ":security.users_file: \"" + dir.path() +
			      "\" cannot be read: not a regular file; expected a file of name:hash lines "
			      "readable by the service");
	}
}

TEST_CASE("whep_tokens", "[config][security]")
{
	TempDir dir;
	std::string users = dir.write("users", "alice:" + newHash("pw") + "\n");
	const std::string head = "[security]\nusers_file = " + users + "\nwhep_tokens = ";

	Config config = requireConfig(parseConfig(head + "abcdefghijklmnop0123, Zx-._~+/Zx-._~+/Zx\n", test::kConfigOrigin));
	CHECK(config.security.whepTokens == std::vector<std::string>{ "abcdefghijklmnop0123", "Zx-._~+/Zx-._~+/Zx" });

	std::string error = singleError(head + "short-secret\n");
	CHECK(error == test::kConfigOrigin + ":security.whep_tokens: token \"shor...\" has 12 characters; expected tokens of "
			"16 to 256 characters from A-Z a-z 0-9 - . _ ~ + /, separated by commas, or empty for none");
	CHECK(error.find("short-secret") == std::string::npos);
	CHECK(singleError(head + "abcdefghijklmnop\"q\n").find("has a character outside the allowed set") !=
	      std::string::npos);

	SECTION("tokens without a user are ignored, and said so")
	{
		ConfigResult result = parseConfig("[security]\nusers_file =\nwhep_tokens = abcdefghijklmnop0123\n", test::kConfigOrigin);
		requireConfig(result);
		REQUIRE(result.warnings.size() == 1);
		CHECK(result.warnings[0].rfind(test::kConfigOrigin + ":security.whep_tokens: ignored while users_file has no user", 0) == 0);
	}
}

TEST_CASE("allowed_origins are origins in the browsers' form", "[config][security]")
{
	Config config = requireConfig(parseConfig(
		"[security]\nallowed_origins = HTTPS://Camera.Example.org:443, http://192.168.1.20:8080,"
		" https://[FD00::1]:8443 http://ha.local/\n", test::kConfigOrigin));
	CHECK(config.security.allowedOrigins == std::vector<std::string>{
		"https://camera.example.org", "http://192.168.1.20:8080", "https://[fd00::1]:8443", "http://ha.local" });

	const std::string allowed = "; expected origins such as https://camera.example.org or http://192.168.1.20:8080 "
				    "(scheme, host and port only), separated by commas, or empty";
	CHECK(singleError("[security]\nallowed_origins = *\n") ==
	      test::kConfigOrigin + ":security.allowed_origins: \"*\" would let any web page in" + allowed);
	CHECK(singleError("[security]\nallowed_origins = null\n") ==
	      test::kConfigOrigin + ":security.allowed_origins: \"null\" would let any web page in" + allowed);
	CHECK(singleError("[security]\nallowed_origins = ftp://example.org\n") ==
	      test::kConfigOrigin + ":security.allowed_origins: \"ftp://example.org\" is not an http:// or https:// origin" + allowed);
	CHECK(singleError("[security]\nallowed_origins = example.org\n") ==
	      test::kConfigOrigin + ":security.allowed_origins: \"example.org\" is not an http:// or https:// origin" + allowed);
	CHECK(singleError("[security]\nallowed_origins = https://example.org/cam\n") ==
	      test::kConfigOrigin + ":security.allowed_origins: \"https://example.org/cam\" has more than a scheme, host and port" +
		      allowed);
}

TEST_CASE("tls_certificate and tls_key", "[config][security]")
{
	TempDir dir;
	std::string pem = DtlsIdentity::generate();
	REQUIRE(!pem.empty());
	std::string cert = dir.write("cert.pem", pem.substr(0, pem.find("-----BEGIN PRIVATE KEY")));
	std::string key = dir.write("key.pem", pem.substr(pem.find("-----BEGIN PRIVATE KEY")));
	std::string other = DtlsIdentity::generate();
	std::string otherKey = dir.write("other-key.pem", other.substr(other.find("-----BEGIN PRIVATE KEY")));

	Config config = requireConfig(parseConfig("[security]\ntls_certificate = " + cert + "\ntls_key = " + key + "\n", test::kConfigOrigin));
	CHECK(config.security.tls());

	CHECK(singleError("[security]\ntls_certificate = " + cert + "\n") ==
	      test::kConfigOrigin + ":security.tls_key: is not set but tls_certificate is; set both tls_certificate and "
			"tls_key, or neither");
	CHECK(singleError("[security]\ntls_key = " + key + "\n") ==
	      test::kConfigOrigin + ":security.tls_certificate: is not set but tls_key is; set both tls_certificate and "
			"tls_key, or neither");
	CHECK(singleError("[security]\ntls_certificate = " + dir.path() + "/none.pem\ntls_key = " + key + "\n") ==
	      test::kConfigOrigin + ":security.tls_certificate: \"" + dir.path() +
		      "/none.pem\" does not exist; expected the absolute path of a PEM certificate");
	std::string mismatch = singleError("[security]\ntls_certificate = " + cert + "\ntls_key = " + otherKey + "\n");
	CHECK(mismatch.rfind(test::kConfigOrigin + ":security.tls_certificate: cannot be used with tls_key: ", 0) == 0);
	std::string garbage = dir.write("garbage.pem", "not a certificate\n");
	CHECK(singleError("[security]\ntls_certificate = " + garbage + "\ntls_key = " + key + "\n")
		      .rfind(test::kConfigOrigin + ":security.tls_certificate: cannot be used with tls_key: ", 0) == 0);
}
