#include "auth.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace parley::server;

TEST_CASE("argon2id hashes verify the right password only") {
    const auto cost = password_cost::minimal();  // keeps the suite fast
    const std::string hash = hash_password("correct horse", cost);
    CHECK(hash.rfind("$argon2id$", 0) == 0);
    CHECK(verify_password(hash, "correct horse"));
    CHECK_FALSE(verify_password(hash, "correct horse "));
    CHECK_FALSE(verify_password(hash, ""));
    // Salted: the same password hashes differently each time.
    CHECK(hash_password("correct horse", cost) != hash);
    CHECK_FALSE(password_needs_rehash(hash, cost));
    CHECK(password_needs_rehash(hash, password_cost::interactive()));
}

TEST_CASE("malformed hashes never verify") {
    CHECK_FALSE(verify_password("", "x"));
    CHECK_FALSE(verify_password("not a hash", "not a hash"));
    CHECK_FALSE(verify_password("$argon2id$v=19$m=8,t=1,p=1$garbage", "x"));
    CHECK_FALSE(verify_password(std::string(500, '$'), "x"));
    CHECK_FALSE(verify_password(std::string("$argon2id\0$", 11), "x"));
    const std::string hash = hash_password("pw", password_cost::minimal());
    std::string tampered = hash;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    CHECK_FALSE(verify_password(tampered, "pw"));
}

TEST_CASE("the default cost is libsodium's interactive level") {
    const password_cost cost;
    CHECK(cost.ops == 2);
    CHECK(cost.mem == 64u * 1024 * 1024);
}

TEST_CASE("random tokens are base64url and distinct") {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string t = random_token();
        CHECK(t.size() == 43);
        for (char c : t) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_';
            CHECK(ok);
        }
        seen.insert(t);
    }
    CHECK(seen.size() == 100);
    CHECK(random_token(16).size() == 22);
    CHECK(random_token(0).empty());
}

TEST_CASE("sha256 and HMAC-SHA256 match published vectors") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // RFC 4231 test case 2: a key shorter than the block.
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // RFC 4231 test case 6: a 131-byte key, hashed first.
    CHECK(hmac_sha256_hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First") ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("constant_time_equal") {
    CHECK(constant_time_equal("", ""));
    CHECK(constant_time_equal("abc", "abc"));
    CHECK_FALSE(constant_time_equal("abc", "abd"));
    CHECK_FALSE(constant_time_equal("abc", "abcd"));
    CHECK_FALSE(constant_time_equal("", "a"));
}

TEST_CASE("user hashes verify in either hex case and fail otherwise") {
    const std::string secret = "shop-secret";
    const std::string good = hmac_sha256_hex(secret, "user-42");
    CHECK(verify_user_hash(secret, "user-42", good));
    std::string upper = good;
    for (char& c : upper)
        if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
    CHECK(verify_user_hash(secret, "user-42", upper));
    CHECK_FALSE(verify_user_hash(secret, "user-43", good));
    CHECK_FALSE(verify_user_hash("other-secret", "user-42", good));
    CHECK_FALSE(verify_user_hash(secret, "user-42", good.substr(1)));
    CHECK_FALSE(verify_user_hash(secret, "user-42", ""));
    CHECK_FALSE(verify_user_hash(secret, "user-42", "zz" + good.substr(2)));
    CHECK_FALSE(verify_user_hash("", "user-42", hmac_sha256_hex("", "user-42")));
    CHECK_FALSE(verify_user_hash(secret, "", hmac_sha256_hex(secret, "")));
}
