import Link from 'next/link';

export default function Home() {
  return (
    <>
      <h1>Latent Studio</h1>
      <p className="lead">
        The generative models of Salakhutdinov&apos;s tutorial <em>Deep Learning: Unsupervised Learning</em>, as things you can use. Every model
        runs on this server through one shared model server.
      </p>
      <div className="cards">
        <Link href="/gallery" className="card" style={{ color: 'inherit', textDecoration: 'none' }}>
          <h3>Gallery &amp; similar photos</h3>
          <p>Upload a photo; it is stored safely, described by colour and GIST image features, and shown with the most similar photos already here.</p>
          <span className="badge ok">available</span>
        </Link>
        <Link href="/tags" className="card" style={{ color: 'inherit', textDecoration: 'none' }}>
          <h3>Photo → tags</h3>
          <p>Upload a photo and get the words that fit it, from a tagger trained on everyday photos and their captions (or one trained on stock photos), then keep, remove or add your own; type words and get matching photos. A multimodal Deep Boltzmann Machine.</p>
          <span className="badge ok">available</span>
        </Link>
        <Link href="/caption" className="card" style={{ color: 'inherit', textDecoration: 'none' }}>
          <h3>Caption → images</h3>
          <p>Type a caption and watch alignDRAW draw it step by step; see which of your words each step attended to, and draw it again from the gallery with the same seed.</p>
          <span className="badge ok">available</span>
        </Link>
        <Link href="/oneshot" className="card" style={{ color: 'inherit', textDecoration: 'none' }}>
          <h3>One-shot characters</h3>
          <p>Draw one character and get new variants of it, drawn as other people would write it; see which of a run&apos;s 20 characters it matches.</p>
          <span className="badge ok">available (goals not met)</span>
        </Link>
        <Link href="/gan" className="card" style={{ color: 'inherit', textDecoration: 'none' }}>
          <h3>GAN playground</h3>
          <p>Sample handwritten digits from a generative adversarial network, walk between two samples&apos; latent vectors, vary one, and watch the generator/discriminator game as it was trained.</p>
          <span className="badge ok">available</span>
        </Link>
        <Link href="/foundations" className="card" style={{ color: 'inherit', textDecoration: 'none' }}>
          <h3>Foundations lab</h3>
          <p>The tutorial&apos;s building blocks — sparse coding, autoencoders vs PCA, semantic hashing, a deep belief net, VAE and IWAE — each showing what it learned and the number it scores.</p>
          <span className="badge ok">available</span>
        </Link>
      </div>
    </>
  );
}
