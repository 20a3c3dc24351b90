#include "cli/progress_printer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "gtest/gtest.h"

namespace codi {
namespace {

ProgressSnapshot Busy() {
  ProgressSnapshot s;
  s.done = 1200;
  s.failed = 3;
  s.in_flight = 1280;
  s.total = 100000;
  s.turns = 7000;
  s.conversations_per_second = 170.5;
  s.turns_per_second = 1023.4;
  s.tokens_per_second = 65432;
  AddLimiterFigures({{.endpoint = "http://a/v1",
                      .limit = 1024,
                      .in_flight = 1020,
                      .unloaded = absl::Seconds(1),
                      .queue = 9.5,
                      .recent_rtt = absl::Milliseconds(1100)},
                     {.endpoint = "http://b/v1",
                      .limit = 37,
                      .in_flight = 37,
                      .unloaded = absl::Milliseconds(980),
                      .queue = 4}},
                    &s);
  return s;
}

TEST(ProgressPrinterTest, AWideLineShowsEveryField) {
  const absl::Time start = absl::UnixEpoch();
  ProgressPrinter printer(/*bar=*/true, start, 300);
  const std::string line = printer.Format(Busy(), start + absl::Minutes(2), 300);
  EXPECT_EQ(line.find("[........................] "), 0u) << line;
  EXPECT_NE(line.find("1203/100000 conversations"), std::string::npos) << line;
  EXPECT_NE(line.find("1280 in flight"), std::string::npos) << line;
  EXPECT_NE(line.find("tok/s"), std::string::npos) << line;
  EXPECT_NE(line.find("limit 1061 (1057 sent, queue 13.5, rtt 1.10s, unloaded 0.98s)"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("elapsed 00:02:00"), std::string::npos) << line;
}

TEST(ProgressPrinterTest, EveryWidthFitsAndKeepsTheCount) {
  const absl::Time start = absl::UnixEpoch();
  for (bool bar : {true, false}) {
    ProgressPrinter printer(bar, start);
    for (int width = 8; width <= 240; ++width) {
      const std::string line = printer.Format(Busy(), start + absl::Minutes(2), width);
      EXPECT_LE(line.size(), static_cast<size_t>(width)) << line;
      if (width >= 11) {
        EXPECT_NE(line.find("1203/100000"), std::string::npos) << line;
      }
    }
  }
}

TEST(ProgressPrinterTest, An80ColumnLineDropsTheLeastUsefulFieldsFirst) {
  const absl::Time start = absl::UnixEpoch();
  ProgressPrinter printer(/*bar=*/true, start);
  const std::string line = printer.Format(Busy(), start + absl::Minutes(2), 79);
  EXPECT_LE(line.size(), 79u);
  EXPECT_NE(line.find("1203/100000"), std::string::npos) << line;
  EXPECT_NE(line.find("turns/s"), std::string::npos) << line;  // rates outlast the bar
  EXPECT_NE(line.find("ETA"), std::string::npos) << line;
  EXPECT_EQ(line.find("["), std::string::npos) << line;  // the bar went first
}

TEST(ProgressPrinterTest, WithoutLimitersNoLimitField) {
  const absl::Time start = absl::UnixEpoch();
  ProgressSnapshot s = Busy();
  s.replicas = 0;
  const std::string line = ProgressPrinter(false, start).Format(s, start, 400);
  EXPECT_EQ(line.find("limit"), std::string::npos) << line;
}

TEST(ProgressPrinterTest, TerminalWidthFallsBackToColumnsThenTo80) {
  const int fd = open("/dev/null", O_WRONLY);
  ASSERT_GE(fd, 0);
  setenv("COLUMNS", "123", 1);
  EXPECT_EQ(TerminalWidth(fd), 123);
  setenv("COLUMNS", "wide", 1);
  EXPECT_EQ(TerminalWidth(fd), 80);
  unsetenv("COLUMNS");
  EXPECT_EQ(TerminalWidth(fd), 80);
  close(fd);
}

}  // namespace
}  // namespace codi
