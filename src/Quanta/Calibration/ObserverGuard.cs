namespace Quanta.Calibration;

internal static class ObserverGuard
{
    public static void RequireData(long count)
    {
        if (count == 0) throw QuantaException.BadInput("no finite values observed");
    }
}
