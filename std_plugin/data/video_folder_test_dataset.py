"""VideoTestDataset for any folder of clips (GT/<clip>/*.png, LQ/<clip>/*.png).

BasicSR's VideoTestDataset reads this layout only when the dataset is named
Vid4 (REDS4 takes another path) and raises for any other name, so a user's own
clips, or the demo clip, would have to pretend to be Vid4 and would be saved
and logged under that name. This subclass reads the layout under any name."""
from basicsr.data.video_test_dataset import VideoTestDataset
from basicsr.utils.registry import DATASET_REGISTRY

FOLDER_LAYOUT_NAME = 'Vid4'  # the name for which BasicSR reads clip folders


@DATASET_REGISTRY.register()
class VideoFolderTestDataset(VideoTestDataset):

    def __init__(self, opt):
        name = opt['name']
        super().__init__(dict(opt, name=FOLDER_LAYOUT_NAME))
        self.opt['name'] = name
