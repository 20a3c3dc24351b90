#include "common/method/phenomena.h"

#include "gtest/gtest.h"

namespace codi {
namespace {

TEST(BuiltinPhenomena, HoldsTheFiveNamedPhenomenaEachWithOneSentence) {
  const auto& builtins = BuiltinPhenomena();
  EXPECT_EQ(builtins.size(), 5u);
  for (const char* name :
       {"coreference", "discourse_marker", "topic_switch", "ellipsis", "clarification"}) {
    auto it = builtins.find(name);
    ASSERT_NE(it, builtins.end()) << name;
    const std::string& instruction = it->second;
    EXPECT_GT(instruction.size(), 20u) << name;
    EXPECT_EQ(instruction.back(), '.') << name;
    EXPECT_EQ(instruction.find('\n'), std::string::npos) << name;
    // Instructions are added to templates verbatim, so they hold no braces.
    EXPECT_EQ(instruction.find_first_of("{}"), std::string::npos) << name;
  }
}

TEST(BuiltinPhenomena, CoreferenceAsksForAPronoun) {
  EXPECT_EQ(BuiltinPhenomena().at("coreference"),
            "Refer back to an entity mentioned earlier in the conversation with a pronoun such "
            "as it, its, they or there, instead of repeating its name.");
}

}  // namespace
}  // namespace codi
