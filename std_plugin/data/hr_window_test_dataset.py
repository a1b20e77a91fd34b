"""VideoFolderTestDataset that also gives the GT window (`gt_window`, (T, C,
H, W)) around each frame, with the same frame indices and padding as the LR
window: what PISR's teacher reads (its encoder sees the HR frames) when it is
validated or tested."""
import torch

from basicsr.data.data_util import generate_frame_indices, read_img_seq
from basicsr.utils.registry import DATASET_REGISTRY
from std_plugin.data.video_folder_test_dataset import VideoFolderTestDataset


@DATASET_REGISTRY.register()
class VideoHRWindowTestDataset(VideoFolderTestDataset):

    def __getitem__(self, index):
        item = super().__getitem__(index)
        folder = item['folder']
        idx, max_idx = (int(v) for v in item['idx'].split('/'))
        select = generate_frame_indices(idx, max_idx, self.opt['num_frame'], padding=self.opt['padding'])
        frames = self.imgs_gt[folder]
        if self.cache_data:
            item['gt_window'] = frames.index_select(0, torch.LongTensor(select))
        else:
            item['gt_window'] = read_img_seq([frames[i] for i in select])
        return item
