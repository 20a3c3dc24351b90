#include "tools/teacher_sim/fault_injector.h"

#include <map>

#include "gtest/gtest.h"

namespace codi {
namespace {

TEST(FaultInjector, InjectsNothingAtZeroRates) {
  FaultInjector injector(FaultRates{}, 1);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(injector.Next(), Fault::kNone);
}

TEST(FaultInjector, AlwaysInjectsAFaultAtRateOne) {
  FaultRates rates;
  rates.http_429 = 1.0;
  FaultInjector injector(rates, 1);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(injector.Next(), Fault::kHttp429);
}

TEST(FaultInjector, InjectsAboutTheRequestedRate) {
  FaultRates rates;
  rates.http_500 = 0.2;
  rates.empty = 0.1;
  FaultInjector injector(rates, 7);
  std::map<Fault, int> counts;
  for (int i = 0; i < 10000; ++i) ++counts[injector.Next()];
  EXPECT_NEAR(counts[Fault::kHttp500], 2000, 200);
  // The later fault fires only when the earlier did not: 0.8 * 0.1.
  EXPECT_NEAR(counts[Fault::kEmpty], 800, 150);
}

TEST(FaultInjector, RepeatsTheSameSequenceForTheSameSeed) {
  FaultRates rates;
  rates.hang = 0.3;
  rates.malformed = 0.3;
  FaultInjector a(rates, 42), b(rates, 42), c(rates, 43);
  bool differs = false;
  for (int i = 0; i < 200; ++i) {
    const Fault fa = a.Next();
    ASSERT_EQ(fa, b.Next());
    differs = differs || fa != c.Next();
  }
  EXPECT_TRUE(differs);
}

TEST(FaultInjector, RejectsRatesOutsideZeroToOne) {
  FaultRates rates;
  EXPECT_TRUE(ValidateFaultRates(rates).ok());
  rates.truncated = 1.5;
  absl::Status s = ValidateFaultRates(rates);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("--truncated"), absl::string_view::npos) << s.message();
  rates.truncated = -0.1;
  EXPECT_FALSE(ValidateFaultRates(rates).ok());
}

TEST(FaultInjector, NamesFaultsAsTheRequestLogDoes) {
  EXPECT_EQ(FaultName(Fault::kNone), "none");
  EXPECT_EQ(FaultName(Fault::kHttp503), "503");
  EXPECT_EQ(FaultName(Fault::kFinishLength), "finish_length");
}

}  // namespace
}  // namespace codi
