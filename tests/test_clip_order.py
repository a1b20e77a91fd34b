"""The training clips' order depends on manual_seed as well as the epoch:
seeds see other orders, the arms of one seed the same one, and a run resumed
mid-epoch the rest of the uninterrupted run's epoch."""
from basicsr.data.data_sampler import EnlargedSampler
from std_plugin.training.clip_order import relabelling, seeded_order
from std_plugin.training.resume import RESUME_ITER, ResumableSampler
from std_plugin.training.sample_seeds import SAMPLE_SEED

CLIPS, RATIO, BATCH = 12, 2, 4  # 24 samples an epoch: 6 batches


class Clips:
    """What the sampler reads of a BasicSR dataset: its length and options."""

    def __init__(self, seed, resume_iter=None):
        self.opt = {SAMPLE_SEED: seed, 'batch_size_per_gpu': BATCH}
        if resume_iter is not None:
            self.opt[RESUME_ITER] = resume_iter

    def __len__(self):
        return CLIPS


def order(seed, epoch, resume_iter=None, rank=0, replicas=1):
    sampler = ResumableSampler(Clips(seed, resume_iter), replicas, rank, RATIO)
    sampler.set_epoch(epoch)
    return list(sampler)


def basicsr_order(epoch):
    sampler = EnlargedSampler(Clips(None), 1, 0, RATIO)
    sampler.set_epoch(epoch)
    return list(sampler)


def test_seeds_change_the_order_and_the_arms_of_a_seed_share_it():
    for epoch in (0, 1, 5):
        orders = [order(seed, epoch) for seed in range(4)]
        assert len({tuple(o) for o in orders}) == 4  # every seed its own order
        assert orders[1] == order(1, epoch)  # another arm of seed 1: the same batches
        for o in orders:  # each still visits every clip RATIO times an epoch
            assert sorted(o) == sorted(list(range(CLIPS)) * RATIO)
    assert order(3, 0) != order(3, 1)  # and epochs differ within a seed
    # BasicSR's order is the epoch's alone, whatever the seed; seed 0 keeps it (runs trained before replay)
    assert order(1, 2) != basicsr_order(2) and order(0, 2) == basicsr_order(2)


def test_the_relabelling_by_hand():
    labels = relabelling(7, 3, CLIPS)
    assert sorted(labels) == list(range(CLIPS))
    assert seeded_order([0, 5, 5, 11], 7, 3, CLIPS) == [labels[0], labels[5], labels[5], labels[11]]
    assert seeded_order([0, 5, 11], None, 3, CLIPS) == [0, 5, 11]  # no seed known: BasicSR's order
    assert seeded_order([0, 5, 11], 0, 3, CLIPS) == [0, 5, 11]  # seed 0: BasicSR's order


def test_a_run_resumed_mid_epoch_gets_the_rest_of_the_same_order():
    epoch, done_in_epoch = 2, 3
    full = order(5, epoch)
    resumed = order(5, epoch, resume_iter=epoch * (CLIPS * RATIO // BATCH) + done_in_epoch)
    assert resumed == full[done_in_epoch * BATCH:]
    assert order(5, epoch + 1, resume_iter=epoch * 6 + done_in_epoch) == order(5, epoch + 1)  # later epochs whole


def test_ranks_still_split_the_epoch():
    full = order(4, 1)  # one process; two ranks take every other sample of it
    assert order(4, 1, rank=0, replicas=2) == full[0::2] and order(4, 1, rank=1, replicas=2) == full[1::2]


def test_a_training_run_orders_its_clips_by_manual_seed(tiny_root, monkeypatch):
    """Wired as train_pipeline uses it: load_resume_state hands manual_seed to
    the train set, whose sampler (basicsr.train.EnlargedSampler, swapped by
    install) relabels BasicSR's order with it."""
    import basicsr.train
    from std_plugin.training.resume import build_dataset, install, load_resume_state
    from tests.conftest import base_options
    for name in ('load_resume_state', 'EnlargedSampler', 'build_dataset'):  # put back after the test
        monkeypatch.setattr(basicsr.train, name, getattr(basicsr.train, name))
    install()
    assert basicsr.train.EnlargedSampler is ResumableSampler
    orders = {}
    for seed in (0, 3):
        opt = dict(base_options('order', tiny_root), manual_seed=seed, auto_resume=False)
        train = dict(opt['datasets']['train'], phase='train', scale=4)
        opt['datasets']['train'] = train
        assert load_resume_state(opt) is None and train[SAMPLE_SEED] == seed
        dataset = build_dataset(train)
        sampler = basicsr.train.EnlargedSampler(dataset, 1, 0, train['dataset_enlarge_ratio'])
        sampler.set_epoch(1)
        orders[seed] = [index for index, _ in sampler]  # (index, augmentation seed key) pairs
        basicsr_sampler = EnlargedSampler(dataset, 1, 0, train['dataset_enlarge_ratio'])
        basicsr_sampler.set_epoch(1)
        expected = seeded_order(list(basicsr_sampler), seed, 1, len(dataset))
        assert orders[seed] == expected
    assert orders[0] != orders[3]
