// docs/PROTOCOL.md's event catalogue is the one generated from the schema.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "ringcast/shm/schema.hpp"
#include "schema_doc.hpp"

TEST(protocol_doc, catalogue_matches_the_schema) {
  std::ifstream in(RINGCAST_SOURCE_DIR "/docs/PROTOCOL.md");
  ASSERT_TRUE(in) << "docs/PROTOCOL.md is missing";
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string updated = ringcast::tools::with_schema_block(doc.str());
  ASSERT_FALSE(updated.empty()) << "docs/PROTOCOL.md lost its schema:begin/schema:end markers";
  EXPECT_TRUE(updated == doc.str())
      << "docs/PROTOCOL.md's catalogue is stale: run build/bin/ringcast-schema --update docs/PROTOCOL.md";
}

TEST(protocol_doc, catalogue_names_every_event_type_and_hides_tail_counts) {
  const std::string md = ringcast::tools::schema_markdown();
  for (std::uint16_t i = 1; i < ringcast::shm::k_event_type_count; ++i) {
    const auto name = ringcast::shm::wire_name(static_cast<ringcast::shm::event_type>(i));
    EXPECT_NE(md.find("### `" + std::string(name) + "`"), std::string::npos) << name;
  }
  EXPECT_NE(md.find("| `unrealizedPnl` | number |"), std::string::npos);
  EXPECT_NE(md.find("`\"PARTIALLY_FILLED\"`"), std::string::npos);
  EXPECT_EQ(md.find("bidCount"), std::string::npos);
  EXPECT_EQ(md.find("metadataSize"), std::string::npos);
}
