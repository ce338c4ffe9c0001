#include "parley/smalltalk.hpp"

#include <array>
#include <string>

#include "parley/text.hpp"
#include "parley/utf8.hpp"

namespace parley {

namespace {

struct phrase {
    std::string_view text;
    smalltalk_kind kind;
};

constexpr std::array<phrase, 62> phrases = {{
    {"hi", smalltalk_kind::greeting},
    {"hello", smalltalk_kind::greeting},
    {"hey", smalltalk_kind::greeting},
    {"hi there", smalltalk_kind::greeting},
    {"hello there", smalltalk_kind::greeting},
    {"hey there", smalltalk_kind::greeting},
    {"good morning", smalltalk_kind::greeting},
    {"good afternoon", smalltalk_kind::greeting},
    {"good evening", smalltalk_kind::greeting},
    {"yo", smalltalk_kind::greeting},
    {"hiya", smalltalk_kind::greeting},
    {"greetings", smalltalk_kind::greeting},
    {"howdy", smalltalk_kind::greeting},
    {"anyone there", smalltalk_kind::greeting},
    {"is anyone there", smalltalk_kind::greeting},
    {"你好", smalltalk_kind::greeting},
    {"您好", smalltalk_kind::greeting},
    {"嗨", smalltalk_kind::greeting},
    {"哈喽", smalltalk_kind::greeting},
    {"早上好", smalltalk_kind::greeting},
    {"下午好", smalltalk_kind::greeting},
    {"晚上好", smalltalk_kind::greeting},
    {"在吗", smalltalk_kind::greeting},
    {"在不在", smalltalk_kind::greeting},
    {"有人吗", smalltalk_kind::greeting},
    {"你好 在吗", smalltalk_kind::greeting},
    {"thanks", smalltalk_kind::thanks},
    {"thank you", smalltalk_kind::thanks},
    {"thanks a lot", smalltalk_kind::thanks},
    {"thank you so much", smalltalk_kind::thanks},
    {"thanks so much", smalltalk_kind::thanks},
    {"many thanks", smalltalk_kind::thanks},
    {"thx", smalltalk_kind::thanks},
    {"ty", smalltalk_kind::thanks},
    {"cheers", smalltalk_kind::thanks},
    {"great thanks", smalltalk_kind::thanks},
    {"ok thanks", smalltalk_kind::thanks},
    {"perfect thanks", smalltalk_kind::thanks},
    {"thank you very much", smalltalk_kind::thanks},
    {"appreciate it", smalltalk_kind::thanks},
    {"谢谢", smalltalk_kind::thanks},
    {"谢谢你", smalltalk_kind::thanks},
    {"谢谢您", smalltalk_kind::thanks},
    {"多谢", smalltalk_kind::thanks},
    {"感谢", smalltalk_kind::thanks},
    {"好的谢谢", smalltalk_kind::thanks},
    {"非常感谢", smalltalk_kind::thanks},
    {"谢啦", smalltalk_kind::thanks},
    {"bye", smalltalk_kind::goodbye},
    {"goodbye", smalltalk_kind::goodbye},
    {"bye bye", smalltalk_kind::goodbye},
    {"see you", smalltalk_kind::goodbye},
    {"see ya", smalltalk_kind::goodbye},
    {"that's all", smalltalk_kind::goodbye},
    {"thats all", smalltalk_kind::goodbye},
    {"have a nice day", smalltalk_kind::goodbye},
    {"再见", smalltalk_kind::goodbye},
    {"拜拜", smalltalk_kind::goodbye},
    {"没有了", smalltalk_kind::goodbye},
    {"没事了", smalltalk_kind::goodbye},
    {"就这些", smalltalk_kind::goodbye},
    {"好的再见", smalltalk_kind::goodbye},
}};

}  // namespace

smalltalk_kind detect_smalltalk(std::string_view text) {
    const std::string s = command_form(text);
    if (s.empty() || s.size() > 40) return smalltalk_kind::none;
    for (const auto& p : phrases)
        if (s == p.text) return p.kind;
    return smalltalk_kind::none;
}

}  // namespace parley
