// Shared by the CPU and CUDA kernels of mmext's task-aligned assignment.
#ifndef MMEXT_TASK_ALIGNED_CANDIDATE_HPP
#define MMEXT_TASK_ALIGNED_CANDIDATE_HPP

#if defined(__CUDACC__)
#define MMEXT_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define MMEXT_HOST_DEVICE inline
#endif

// Whether candidate (m1, i1) ranks before (m2, i2): the larger alignment
// metric first, the lower prior index among equal metrics. NaN never ranks
// before anything, so a NaN metric is never a candidate.
template <typename T>
MMEXT_HOST_DEVICE bool ranks_before(T m1, int64_t i1, T m2, int64_t i2) {
  return m1 > m2 || (m1 == m2 && i1 < i2);
}

// Insert (metric, index) into the descending list of length k if it ranks
// before its last entry.
template <typename T>
MMEXT_HOST_DEVICE void insert_candidate(T* metrics, int64_t* indices,
                                        int64_t k, T metric, int64_t index) {
  if (!ranks_before(metric, index, metrics[k - 1], indices[k - 1])) return;
  int64_t pos = k - 1;
  while (pos > 0 &&
         ranks_before(metric, index, metrics[pos - 1], indices[pos - 1])) {
    metrics[pos] = metrics[pos - 1];
    indices[pos] = indices[pos - 1];
    --pos;
  }
  metrics[pos] = metric;
  indices[pos] = index;
}

// IoU of boxes (x1, y1, x2, y2) as mmdet's bbox_overlaps computes it
// (union clamped below by eps).
template <typename T>
MMEXT_HOST_DEVICE T box_iou(const T* a, const T* b, T eps) {
  const T area_a = (a[2] - a[0]) * (a[3] - a[1]);
  const T area_b = (b[2] - b[0]) * (b[3] - b[1]);
  T w = (a[2] < b[2] ? a[2] : b[2]) - (a[0] > b[0] ? a[0] : b[0]);
  T h = (a[3] < b[3] ? a[3] : b[3]) - (a[1] > b[1] ? a[1] : b[1]);
  w = w > T(0) ? w : T(0);
  h = h > T(0) ? h : T(0);
  const T overlap = w * h;
  T uni = area_a + area_b - overlap;
  uni = uni > eps ? uni : eps;
  return overlap / uni;
}

// Whether a prior's centre lies inside the box by more than eps on all four
// sides (mmdet's TaskAlignedAssigner test).
template <typename T>
MMEXT_HOST_DEVICE bool centre_inside(const T* prior, const T* box, T eps) {
  const T cx = (prior[0] + prior[2]) / T(2);
  const T cy = (prior[1] + prior[3]) / T(2);
  T d = cx - box[0];
  const T top = cy - box[1], right = box[2] - cx, bottom = box[3] - cy;
  d = top < d ? top : d;
  d = right < d ? right : d;
  d = bottom < d ? bottom : d;
  return d > eps;
}

#endif  // MMEXT_TASK_ALIGNED_CANDIDATE_HPP
