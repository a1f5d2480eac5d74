namespace Quanta.Training.Train;

/// <summary>Cosine decay from the peak rate to zero over the run, after a short linear warm-up (2% of the steps) that keeps freshly initialised scales from jumping.</summary>
internal static class LrSchedule
{
    public static double At(int step, int total, double peak)
    {
        int warmup = Math.Max(1, total / 50);
        if (step < warmup) return peak * (step + 1) / warmup;
        double t = (double)(step - warmup) / Math.Max(1, total - warmup);
        return peak * 0.5 * (1 + Math.Cos(Math.PI * t));
    }
}
