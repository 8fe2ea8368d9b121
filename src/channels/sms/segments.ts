// The counting is pure and shared with the wording preview, so it lives in the domain.
export { countSegments, type SegmentCount } from '../../domain/sms-segments.js';
