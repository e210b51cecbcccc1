// ORB features and their RANSAC match through OpenCV, for feat.c (cv.h):
// every entry point catches what OpenCV throws and returns a code, so no
// exception reaches C.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <algorithm>
#include <vector>

#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>

#include "feat/cv.h"

namespace {

// Our pool runs one image a thread; OpenCV's own threads would only
// compete with it (and hide races from ThreadSanitizer).
void no_opencv_threads()
{
	static std::once_flag once;

	std::call_once(once, [] { cv::setNumThreads(0); });
}

int failed(const char *what, char *why, size_t len)
{
	snprintf(why, len, "%s", what);
	return FEAT_CV_FAILED;
}

// Keypoints and descriptors into a struct feat_points (malloc'd, as
// feat_release() frees them), in pixel-area coordinates: at most
// FEAT_MAX, the strongest. ORB keeps every point tied at its cut-off, so
// its count is not a cap (a checkerboard gives ~1,000); more would make
// the catalogue reader refuse the row and the search skip the image.
int keep_points(const std::vector<cv::KeyPoint> &kp, const cv::Mat &desc,
		struct feat_points *out)
{
	int n = desc.empty() ? 0 : desc.rows;
	std::vector<int> order(n);

	for (int i = 0; i < n; i++)
		order[i] = i;
	if (n > FEAT_MAX) {
		std::stable_sort(order.begin(), order.end(), [&kp](int a, int b) {
			return kp[a].response > kp[b].response;
		});
		n = FEAT_MAX;
	}
	out->n = 0;
	out->xy = static_cast<float *>(malloc(sizeof(float) * 2 * (n ? n : 1)));
	out->desc = static_cast<uint8_t *>(malloc(FEAT_DESC_BYTES * (n ? n : 1)));
	if (!out->xy || !out->desc)
		return FEAT_CV_NOMEM;
	for (int i = 0; i < n; i++) {
		const int k = order[i];

		out->xy[2 * i] = kp[k].pt.x + 0.5f;
		out->xy[2 * i + 1] = kp[k].pt.y + 0.5f;
		memcpy(out->desc + (size_t)i * FEAT_DESC_BYTES, desc.ptr(k), FEAT_DESC_BYTES);
	}
	out->n = n;
	return 0;
}

int detect(const cv::Ptr<cv::ORB> &orb, const cv::Mat &grey, struct feat_points *out)
{
	std::vector<cv::KeyPoint> kp;
	cv::Mat desc;

	orb->detectAndCompute(grey, cv::noArray(), kp, desc);
	return keep_points(kp, desc, out);
}

// The image with its longer side at most FEAT_SIDE (area average).
cv::Mat frame_of(const cv::Mat &src)
{
	int longer = src.cols > src.rows ? src.cols : src.rows;
	cv::Mat frame;

	if (longer <= FEAT_SIDE)
		return src;
	double k = (double)FEAT_SIDE / longer;
	int w = cvRound(src.cols * k), h = cvRound(src.rows * k);

	cv::resize(src, frame, cv::Size(w > 0 ? w : 1, h > 0 ? h : 1), 0, 0, cv::INTER_AREA);
	return frame;
}

int compute(const uint8_t *pixels, int width, int height, size_t stride, struct feat *out)
{
	cv::Mat src(height, width, CV_8UC1, const_cast<uint8_t *>(pixels), stride);
	cv::Mat frame = frame_of(src), mirror;
	cv::Mat thumb(FEAT_THUMB, FEAT_THUMB, CV_8UC1, out->thumb);

	out->width = frame.cols;
	out->height = frame.rows;
	cv::resize(frame, thumb, thumb.size(), 0, 0, cv::INTER_AREA);
	if (width < FEAT_MIN_SIDE || height < FEAT_MIN_SIDE || feat_thumb_flat(out->thumb))
		return 0;
	cv::Ptr<cv::ORB> orb = cv::ORB::create(FEAT_MAX, 1.2f, 8, 15, 0, 2,
					       cv::ORB::HARRIS_SCORE, 15, 10);
	cv::flip(frame, mirror, 1);
	int rc = detect(orb, frame, &out->up);

	if (!rc)
		rc = detect(orb, mirror, &out->mirror);
	if (!rc)
		out->usable = 1;
	return rc;
}

int similarity(const float *from, const float *to, int n, double m[6])
{
	std::vector<cv::Point2f> a, b;
	std::vector<uchar> inl;

	if (n < 4)
		return 0;
	for (int k = 0; k < n; k++) {
		a.emplace_back(from[2 * k], from[2 * k + 1]);
		b.emplace_back(to[2 * k], to[2 * k + 1]);
	}
	cv::Mat t = cv::estimateAffinePartial2D(a, b, inl, cv::RANSAC, 3.0);
	if (t.empty())
		return 0;
	for (int k = 0; k < 6; k++)
		m[k] = t.at<double>(k / 3, k % 3);
	return cv::countNonZero(inl);
}

// run() with OpenCV's threads off, every exception turned into a code
// (and OpenCV's message into why).
template <typename Fn> int guarded(char *why, size_t len, Fn run)
{
	no_opencv_threads();
	try {
		return run();
	} catch (const std::bad_alloc &) {
		return FEAT_CV_NOMEM;
	} catch (const cv::Exception &e) {
		return failed(e.err.c_str(), why, len);
	} catch (const std::exception &e) {
		return failed(e.what(), why, len);
	} catch (...) {
		return failed("an unknown exception", why, len);
	}
}

} // namespace

extern "C" int feat_cv_compute(const uint8_t *pixels, int width, int height, size_t stride,
			       struct feat *out, char *why, size_t len)
{
	return guarded(why, len, [&] { return compute(pixels, width, height, stride, out); });
}

extern "C" int feat_cv_similarity(const float *from, const float *to, int n, double m[6],
				  int *inliers, char *why, size_t len)
{
	*inliers = 0;
	return guarded(why, len, [&] {
		*inliers = similarity(from, to, n, m);
		return 0;
	});
}
