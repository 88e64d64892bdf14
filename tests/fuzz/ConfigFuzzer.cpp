/* SPDX-License-Identifier: MIT */
/*
 * config.ini text through the loader, and an accepted configuration
 * through the pipeline description (for a fixed, Pi-like platform, so the
 * result depends on the input only).
 */
#include <cstddef>
#include <cstdint>
#include <string>

#include "FuzzSupport.h"
#include "config/ConfigLoader.h"
#include "pipeline/PipelineDescription.h"

using namespace wcam;

namespace {

class FixedPlatform : public Platform
{
public:
	bool hasElement(const std::string &) const override { return true; }
	std::vector<std::string> libcameraCameras() const override
	{
		return { "/base/soc/i2c0mux/i2c@1/imx219@10" };
	}
	std::vector<std::string> v4l2CaptureDevices() const override { return { "/dev/video0" }; }
};

} /* namespace */

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	fuzz::setUp();
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string text(reinterpret_cast<const char *>(data), size);
	ConfigResult result = parseConfig(text, "fuzz.ini");
	FUZZ_CHECK(result.config.has_value() == result.errors.empty(), "config xor errors");
	for (const std::string &error : result.errors)
		FUZZ_CHECK(error.rfind("fuzz.ini", 0) == 0 || error.find(".ini:") != std::string::npos,
			   "error without its origin: " + error);
	if (!result.config)
		return 0;

	PipelineDescription description = describePipeline(*result.config, FixedPlatform());
	FUZZ_CHECK(!description.launch.empty() || !description.error.empty(), "no pipeline and no error");
	return 0;
}
