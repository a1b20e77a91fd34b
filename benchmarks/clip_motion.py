"""How far each clip moves between frames, in LR pixels: what a multi-frame
teacher can take from its neighbours. Frames that move by a fraction of an LR
pixel sample the scene at new sub-pixel positions (the information VSR fuses);
clips that barely move give a teacher nothing to fuse, and time distillation
nothing to transfer.

    python benchmarks/clip_motion.py datasets/demo/train/GT/00001/0001 datasets/demo/val/GT/bikes
    python benchmarks/clip_motion.py --video bikes.mp4 --stretch 15

Global translation between consecutive GT frames by phase correlation
(cv2.phaseCorrelate on the luma), divided by the scale: median and mean
|shift| per frame in LR pixels; local motion (a moving object on a still
background) is not counted. --video prints the mean shift of every stretch of
--stretch frames, to find stretches that move.
"""
import argparse

import cv2
import numpy as np

from std_plugin.core.frame_files import list_frames


def luma(frame):
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)


def folder_frames(folder):
    return [luma(cv2.imread(str(p))) for p in list_frames(folder)]


def video_frames(path):
    cap = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            return frames
        frames.append(luma(frame))


def shifts(frames):
    """|global translation| between consecutive frames, in frame pixels."""
    return np.array([np.hypot(*cv2.phaseCorrelate(a, b)[0]) for a, b in zip(frames, frames[1:])])


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('folders', nargs='*', help='folders of GT frames, one clip each')
    p.add_argument('--video', help='a video file: the mean shift of each stretch')
    p.add_argument('--stretch', type=int, default=15, help='frames per stretch with --video (default: 15)')
    p.add_argument('--scale', type=int, default=4, help='SR scale: shifts are printed in LR pixels (default: 4)')
    args = p.parse_args()
    print('| clip | frames | median shift (LR px/frame) | mean shift (LR px/frame) |\n|---|---:|---:|---:|')
    for folder in args.folders:
        frames = folder_frames(folder)
        if len(frames) < 2:
            raise SystemExit(f'clip_motion.py: error: {folder} holds fewer than 2 frames')
        s = shifts(frames) / args.scale
        print(f'| {folder} | {len(frames)} | {np.median(s):.3f} | {s.mean():.3f} |')
    if args.video:
        s = shifts(video_frames(args.video)) / args.scale
        print(f'\n{args.video}: mean shift (LR px/frame) of frames [start, start+{args.stretch}), every 5 frames')
        for start in range(0, len(s) - args.stretch + 2, 5):
            print(f'{start:4d}: {s[start:start + args.stretch - 1].mean():.3f}')


if __name__ == '__main__':
    main()
