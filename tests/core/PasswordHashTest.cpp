/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <string>

#include "core/PasswordHash.h"

using namespace wcam;

TEST_CASE("new hashes are yescrypt and verify", "[password]")
{
	std::string error;
	std::string hash = hashPassword("correct horse battery staple", error);
	INFO(error);
	REQUIRE(hash.rfind("$y$", 0) == 0);
	CHECK(checkPasswordHash(hash).empty());
	CHECK(verifyPassword("correct horse battery staple", hash));
	CHECK_FALSE(verifyPassword("correct horse battery stapl", hash));
	CHECK_FALSE(verifyPassword("", hash));

	/* A fresh salt every time. */
	std::string again = hashPassword("correct horse battery staple", error);
	CHECK(again != hash);
	CHECK(verifyPassword("correct horse battery staple", again));
}

TEST_CASE("passwords that cannot be stored are refused", "[password]")
{
	std::string error;
	CHECK(hashPassword("", error).empty());
	CHECK(error == "the password is empty");
	CHECK(hashPassword("two\nlines", error).empty());
	CHECK(error == "the password contains a NUL or newline character");
	CHECK(hashPassword(std::string("nul\0byte", 8), error).empty());
}

TEST_CASE("only complete hashes of strong methods are accepted", "[password]")
{
	CHECK(checkPasswordHash("") == "is empty");
	CHECK(checkPasswordHash("secret").rfind("is not a crypt(3) hash", 0) == 0);
	CHECK(checkPasswordHash("$1$saltsalt$qjXMvbEw8oaL.CzflDugX/").rfind("uses a weak or disabled hash method", 0) == 0);
	CHECK(checkPasswordHash("$6$saltsaltsalt$") == "is not a complete crypt(3) hash");
	CHECK(checkPasswordHash("$y$j9T$") == "is not a complete crypt(3) hash");
	/* A wrong hash never verifies, whatever the password. */
	CHECK_FALSE(verifyPassword("", "$6$saltsaltsalt$"));
	CHECK_FALSE(verifyPassword("x", "*"));
}

TEST_CASE("constantTimeEqual", "[password]")
{
	CHECK(constantTimeEqual("abc", "abc"));
	CHECK_FALSE(constantTimeEqual("abc", "abd"));
	CHECK_FALSE(constantTimeEqual("abc", "abcd"));
	CHECK(constantTimeEqual("", ""));
}
