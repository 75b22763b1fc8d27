package pagekey

// The words of public names: plain, short, English words that a class
// reads aloud without a second thought. Each list has 64 words, so a byte
// of the hash picks one with no word likelier than another.
var (
	adjectives = [64]string{
		"amber", "azure", "bold", "brave", "bright", "brisk", "busy", "calm",
		"cheerful", "clever", "cosy", "curious", "daring", "eager", "fair", "fancy",
		"friendly", "gentle", "glad", "golden", "graceful", "happy", "helpful", "honest",
		"jolly", "joyful", "keen", "kind", "lively", "lucky", "merry", "mighty",
		"modest", "neat", "nimble", "noble", "patient", "peaceful", "plucky", "polite",
		"proud", "quick", "quiet", "rapid", "ready", "silver", "sincere", "smart",
		"smiling", "snowy", "speedy", "steady", "sunny", "swift", "tidy", "trusty",
		"upbeat", "vivid", "warm", "wise", "witty", "young", "zesty", "zippy",
	}
	animals = [64]string{
		"badger", "bear", "beaver", "bison", "camel", "cat", "cheetah", "crane",
		"deer", "dolphin", "duck", "eagle", "elephant", "falcon", "ferret", "finch",
		"fox", "frog", "gecko", "giraffe", "goat", "goose", "hare", "hedgehog",
		"heron", "horse", "ibis", "jaguar", "kangaroo", "koala", "lemur", "leopard",
		"lion", "llama", "lynx", "magpie", "marmot", "meerkat", "mole", "moose",
		"mouse", "newt", "otter", "owl", "panda", "parrot", "pelican", "penguin",
		"pony", "puffin", "quail", "rabbit", "raven", "robin", "seal", "sparrow",
		"squirrel", "swan", "tiger", "toucan", "turtle", "walrus", "whale", "zebra",
	}
)
