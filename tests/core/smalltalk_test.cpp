#include "parley/smalltalk.hpp"

#include <doctest/doctest.h>

using namespace parley;

TEST_CASE("small talk only when the whole message is small talk") {
    CHECK(detect_smalltalk("hi!") == smalltalk_kind::greeting);
    CHECK(detect_smalltalk("hello there :)") == smalltalk_kind::greeting);
    CHECK(detect_smalltalk("你好") == smalltalk_kind::greeting);
    CHECK(detect_smalltalk("thank you so much!!") == smalltalk_kind::thanks);
    CHECK(detect_smalltalk("谢谢!") == smalltalk_kind::thanks);
    CHECK(detect_smalltalk("bye") == smalltalk_kind::goodbye);
    CHECK(detect_smalltalk("再见") == smalltalk_kind::goodbye);
    CHECK(detect_smalltalk("thanks, where is my order?") == smalltalk_kind::none);
    CHECK(detect_smalltalk("") == smalltalk_kind::none);
}
